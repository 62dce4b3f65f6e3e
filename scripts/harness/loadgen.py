"""What `fieldrelay loadgen` writes (its --json lines, its --send-log CSV), and how the send log is
tied to what viewer.py saw."""
import collections
import csv
import json

from .mpegts import CLOCK, PTS_WRAP


def loadgen_records(lines):
    """The records of loadgen --json output (an open file, a pipe or a list of lines), as they come;
    lines that are not JSON objects are skipped."""
    for line in lines:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            yield json.loads(line)
        except ValueError:
            continue


def read_loadgen_json(lines):
    """loadgen --json output: (its "tick" records, its "summary" record or {} when it printed none)."""
    ticks, summary = [], {}
    for record in loadgen_records(lines):
        if record.get("type") == "tick":
            ticks.append(record)
        elif record.get("type") == "summary":
            summary = record
    return ticks, summary


def read_send_logs(filenames):
    """loadgen --send-log files (stream,path,wall_ns,pts: one row per video PES start) merged:
    {path: [(wall-clock seconds, pts), ...] in send order}."""
    sends = {}
    for filename in filenames:
        with open(filename, newline="") as handle:
            for row in csv.DictReader(handle):
                sends.setdefault(row["path"], []).append((int(row["wall_ns"]) / 1e9, int(row["pts"])))
    for log in sends.values():
        log.sort()
    return sends


def stream_path(url):
    """The stream path a playlist URL names: http://host/hls/lab/x/ts.m3u8 -> lab/x."""
    return url.split("/hls/")[1].rsplit("/", 1)[0]


def pts_shift(sends, view):
    """The packager's PTS shift: the most common difference (mod 2^33, under 5 s) between the first
    video PTS of the segments in viewer.py's JSON (view, run with --pts) and the PTS that were sent
    on the same path; 0 when nothing matches."""
    differences = collections.Counter()
    for source in view["sources"]:
        sent = {pts for _, pts in sends.get(stream_path(source["source"]), [])}
        for segment in source.get("segment_log", []):
            if segment.get("pts") is None:
                continue
            for pts in sent:
                difference = (segment["pts"] - pts) % PTS_WRAP
                if difference < CLOCK * 5:
                    differences[difference] += 1
    return differences.most_common(1)[0][0] if differences else 0


def completed_segments(source, shift):
    """For one source of viewer.py's JSON (run with --pts), each segment that was not already listed
    at the first poll and whose successor was seen too, as (when it was first seen, the sent PTS of
    the frame that completed it): the next segment's first video PTS, less the packager's shift
    (pts_shift), is the PTS of that frame in the send log."""
    log = source.get("segment_log", [])
    for current, following in zip(log, log[1:]):
        if current.get("initial") or following["msn"] != current["msn"] + 1 or following.get("pts") is None:
            continue
        yield current["seen"], (following["pts"] - shift) % PTS_WRAP
