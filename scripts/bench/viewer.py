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
import urllib.request
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from harness import first_video_pts, parse_playlist, resolve_uri  # noqa: E402


def read(source, timeout=10.0):
    if source.startswith("http://") or source.startswith("https://"):
        with urllib.request.urlopen(source, timeout=timeout) as reply:
            return reply.read()
    with open(source, "rb") as handle:
        return handle.read()


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
        playlist = parse_playlist(text)
        self.ended = self.ended or playlist.ended
        for segment in playlist.segments:
            if segment["discontinuity"]:
                self.discontinuities.add(segment["msn"])
            if segment["msn"] in self.seen:
                continue
            # "initial": already listed at the first poll, so its first-seen time says nothing.
            record = {"msn": segment["msn"], "seen": now, "duration": segment["duration"], "initial": initial}
            try:
                data = read(resolve_uri(self.source, segment["uri"]))
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
