#!/usr/bin/env python3
"""A hall viewer for the benchmarks: polls HLS media playlists (HTTP URLs or files on disk) for a
fixed time, fetches every new segment once, and reports continuity: media sequence numbers that
were never seen, discontinuity tags, fetch failures. With --pts it also records, per segment, the
wall-clock time it first appeared and the PTS of its first video PES (for latency.sh). With --save
DIR every fetched segment is also written to DIR/<source index>-<media sequence>.ts (for decoding).

Output: one JSON object on stdout."""
import argparse
import concurrent.futures
import json
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request


def read(source, timeout=10.0):
    if source.startswith("http://") or source.startswith("https://"):
        with urllib.request.urlopen(source, timeout=timeout) as reply:
            return reply.read()
    with open(source, "rb") as handle:
        return handle.read()


def resolve(playlist, uri):
    if playlist.startswith("http"):
        return urllib.parse.urljoin(playlist, uri)
    return playlist.rsplit("/", 1)[0] + "/" + uri.split("?")[0]


def parse_playlist(text):
    sequence, segments, discontinuity, duration, ended = 0, [], False, None, False
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            sequence = int(line.split(":", 1)[1])
        elif line == "#EXT-X-DISCONTINUITY":
            discontinuity = True
        elif line.startswith("#EXTINF:"):
            duration = float(line.split(":", 1)[1].split(",")[0])
        elif line == "#EXT-X-ENDLIST":
            ended = True
        elif line and not line.startswith("#"):
            segments.append({"msn": sequence + len(segments), "uri": line, "duration": duration,
                             "discontinuity": discontinuity})
            discontinuity, duration = False, None
    return segments, ended


def first_video_pts(data):
    """The PTS of the first video PES in an MPEG-TS segment (PAT -> PMT -> H.264/H.265 PID)."""
    pmt_pid, video_pid = None, None
    for offset in range(0, len(data) - 187, 188):
        packet = data[offset:offset + 188]
        if packet[0] != 0x47:
            continue
        pid = ((packet[1] & 0x1F) << 8) | packet[2]
        start = packet[1] & 0x40
        control = (packet[3] >> 4) & 3
        payload = 4
        if control & 2:
            payload += 1 + packet[4]
        if not control & 1 or payload >= 188 or not start:
            continue
        if pid == 0 and pmt_pid is None:
            table = payload + 1 + packet[payload]
            pmt_pid = ((packet[table + 10] & 0x1F) << 8) | packet[table + 11]
        elif pid == pmt_pid and video_pid is None:
            table = payload + 1 + packet[payload]
            section_end = table + 3 + (((packet[table + 1] & 0x0F) << 8) | packet[table + 2]) - 4
            info = ((packet[table + 10] & 0x0F) << 8) | packet[table + 11]
            entry = table + 12 + info
            while entry + 5 <= min(section_end, 188):
                kind = packet[entry]
                es_pid = ((packet[entry + 1] & 0x1F) << 8) | packet[entry + 2]
                if kind in (0x1B, 0x24):
                    video_pid = es_pid
                    break
                entry += 5 + (((packet[entry + 3] & 0x0F) << 8) | packet[entry + 4])
        elif pid == video_pid and packet[payload:payload + 3] == b"\x00\x00\x01" and packet[payload + 7] & 0x80:
            p = packet[payload + 9:payload + 14]
            return ((p[0] >> 1) & 7) << 30 | p[1] << 22 | (p[2] >> 1) << 15 | p[3] << 7 | p[4] >> 1
    return None


class Watch:
    def __init__(self, source, want_pts, save=None, index=0):
        self.source = source
        self.want_pts = want_pts
        self.save = save
        self.index = index
        self.seen = {}
        self.discontinuities = set()
        self.fetch_errors = 0
        self.playlist_errors = 0
        self.bytes = 0
        self.ended = False
        self.polls = 0

    def poll(self):
        try:
            text = read(self.source).decode("utf-8", "replace")
        except (OSError, urllib.error.URLError):
            self.playlist_errors += 1
            return
        now = time.time()
        initial = self.polls == 0
        self.polls += 1
        segments, ended = parse_playlist(text)
        self.ended = self.ended or ended
        for segment in segments:
            if segment["discontinuity"]:
                self.discontinuities.add(segment["msn"])
            if segment["msn"] in self.seen:
                continue
            # "initial": already listed at the first poll, so its first-seen time says nothing.
            record = {"msn": segment["msn"], "seen": now, "duration": segment["duration"], "initial": initial}
            try:
                data = read(resolve(self.source, segment["uri"]))
                self.bytes += len(data)
                if self.want_pts:
                    record["pts"] = first_video_pts(data)
                if self.save:
                    with open(f"{self.save}/{self.index}-{segment['msn']}.ts", "wb") as handle:
                        handle.write(data)
            except (OSError, urllib.error.URLError):
                self.fetch_errors += 1
                record["failed"] = True
            self.seen[segment["msn"]] = record

    def report(self, with_segments):
        numbers = sorted(self.seen)
        missing = (numbers[-1] - numbers[0] + 1 - len(numbers)) if numbers else 0
        result = {
            "source": self.source,
            "segments": len(numbers),
            "first_msn": numbers[0] if numbers else None,
            "last_msn": numbers[-1] if numbers else None,
            "missing": missing,
            "discontinuities": len(self.discontinuities),
            "discontinuity_msns": sorted(self.discontinuities),
            "fetch_errors": self.fetch_errors,
            "playlist_errors": self.playlist_errors,
            "bytes": self.bytes,
            "ended": self.ended,
        }
        if with_segments:
            result["segment_log"] = [self.seen[n] for n in numbers]
        return result


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, required=True, help="seconds to watch")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between polls of one playlist")
    parser.add_argument("--pts", action="store_true", help="record first-seen time and first video PTS per segment")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--save", help="directory to write every fetched segment to")
    parser.add_argument("sources", nargs="+")
    options = parser.parse_args()

    watches = [Watch(source, options.pts, options.save, index) for index, source in enumerate(options.sources)]
    deadline = time.time() + options.duration
    stop = threading.Event()

    def follow(watch):
        while not stop.is_set() and time.time() < deadline:
            started = time.time()
            watch.poll()
            stop.wait(max(0.0, options.interval - (time.time() - started)))

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, min(options.workers, len(watches)))) as pool:
        # More playlists than workers: each worker takes turns over a slice of them.
        slices = [watches[i::options.workers] for i in range(min(options.workers, len(watches)))]

        def follow_slice(items):
            while not stop.is_set() and time.time() < deadline:
                started = time.time()
                for watch in items:
                    watch.poll()
                stop.wait(max(0.0, options.interval - (time.time() - started)))

        try:
            list(pool.map(follow_slice if len(watches) > options.workers else follow,
                          slices if len(watches) > options.workers else watches))
        except KeyboardInterrupt:
            stop.set()

    reports = [watch.report(options.pts) for watch in watches]
    totals = {key: sum(r[key] for r in reports) for key in ("segments", "missing", "discontinuities", "fetch_errors", "bytes")}
    totals["sources"] = len(reports)
    totals["continuous"] = sum(1 for r in reports if r["segments"] >= 2 and r["missing"] == 0 and r["discontinuities"] == 0)
    totals["with_segments"] = sum(1 for r in reports if r["segments"] > 0)
    json.dump({"totals": totals, "sources": reports}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
