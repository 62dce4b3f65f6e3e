#!/usr/bin/env python3
"""Flapping cameras: drives disconnect/reconnect cycles of real SRT publishers (ffmpeg) against a
running `fieldrelay serve --open-ingest`, while a hall viewer polls every path's classic playlist
(and a subset's Low-Latency playlist), fetches every listed segment and checks continuity.

Kinds of disconnect (how a publisher goes away before the camera reconnects):
  clean        SIGTERM after 1.5-8 s (ffmpeg closes the SRT connection), reconnect after 0.1-5 s
  clean-early  SIGTERM after 0.6-1.6 s, before the first segment completes
  kill-halfopen SIGKILL (the gateway's socket stays half-open until the peer idle timeout), reconnect
               at once: the old connection still holds the path, so the first attempts are refused
               (1409) until the takeover delay has passed, then the new connection takes over
  kill-late    SIGKILL, reconnect after 1.2-3.5 s: still half-open, but past the takeover delay
and the reconnecting camera may change codec (H.264 <-> H.265) or resolution (640x360 <-> 960x540).

Every publisher's timeline starts at its own offset (ffmpeg -output_ts_offset), so the first video
PTS of a classic segment names the publisher that made it: a segment whose publisher differs from
its predecessor's must carry EXT-X-DISCONTINUITY, and one with the same publisher must not. In the
Low-Latency playlist every publisher brings a new init section (EXT-X-MAP), which plays that role.

Checks per playlist: media sequence and discontinuity sequence never go back; a segment's URI, flag
and discontinuity number (DISCONTINUITY-SEQUENCE + tags before it, RFC 8216 6.2.2) never change
between reloads; no media sequence number is skipped; every listed segment can be fetched; a sample
of segments (every segment after a discontinuity, and every Nth) decodes with ffmpeg and has the
publisher's codec and picture size; the playlist ends (EXT-X-ENDLIST) only after the last camera.
The gateway's RSS, open files and threads are taken after a warm-up phase and after the cycles,
each time once every path has ended and been forgotten.

Output: a JSON report (--json) and a one-screen summary on stdout. Exit 1 on any failure."""
import argparse
import json
import os
import queue
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from harness import (CLOCK, first_video_pts, metric_sum, parse_metrics, parse_playlist,  # noqa: E402
                     process_figures, resolve_uri)

OFFSET_BASE = 100     # seconds: publisher k's timeline starts near OFFSET_BASE + k * OFFSET_STEP
OFFSET_STEP = 64      # larger than any publisher's run; 1,100 publishers stay under the 33-bit wrap

VARIANTS = {
    "h264-360p": ("h264", 640, 360),
    "hevc-360p": ("hevc", 640, 360),
    "h264-540p": ("h264", 960, 540),
}

DISCONNECTS = [("clean", 0.35), ("clean-early", 0.15), ("kill-halfopen", 0.30), ("kill-late", 0.20)]


def now():
    return time.monotonic()


def log(message):
    sys.stderr.write(f"[flap.py {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


# --- the gateway process -----------------------------------------------------------------------

def http_get(url, timeout=15.0):
    """(status, body); status 0 for a connection failure. The timeout is longer than the gateway's
    http.firstSegmentWaitSeconds (10 s), for which a stream's first playlist may be held."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, b""
    except (OSError, urllib.error.URLError):
        return 0, b""


def metrics(base):
    """The gateway's /metrics as {sample: value}; {} when it does not answer."""
    status, body = http_get(base + "/metrics", timeout=5)
    return parse_metrics(body.decode("utf-8", "replace")) if status == 200 else {}


# --- MPEG-TS: the publisher that made a segment (its first video PTS) --------------------------

def publisher_of_pts(pts):
    if pts is None:
        return None
    return int((pts / CLOCK - OFFSET_BASE) // OFFSET_STEP)


# --- playlists ---------------------------------------------------------------------------------

class Tally:
    """Failure and event counters shared by all threads, with a few examples of each failure."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}
        self.examples = {}

    def add(self, key, amount=1, example=None):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + amount
            if example is not None:
                bucket = self.examples.setdefault(key, [])
                if len(bucket) < 5:
                    bucket.append(example)

    def get(self, key):
        with self.lock:
            return self.counts.get(key, 0)


class Watch:
    """One playlist of one path, followed for a whole phase."""

    def __init__(self, run, path, kind):
        self.run = run
        self.path = path
        self.kind = kind          # "classic" (ts.m3u8) or "ll" (index.m3u8, Low-Latency)
        self.url = f"{run.base}/hls/{path}/{'ts.m3u8' if kind == 'classic' else 'index.m3u8'}"
        self.seen = {}            # msn -> segment record
        self.maps = {}            # init section URI -> fetched ok
        self.media_sequence = -1
        self.dseq = -1
        self.ended_at = None      # wall time EXT-X-ENDLIST was first seen
        self.polls = 0

    def fail(self, key, detail):
        self.run.tally.add(f"{self.kind}:{key}", example=f"{self.path} {detail}")

    def poll(self):
        status, body = http_get(self.url)
        if status in (404, 503):
            return  # not live yet (or forgotten after the end); 503: first segment not complete
        if status != 200:
            self.run.tally.add(f"{self.kind}:playlist_errors")
            return
        self.polls += 1
        self.run.tally.add(f"{self.kind}:playlists_checked")
        playlist = parse_playlist(body.decode("utf-8", "replace"))
        sequence, dseq, ended = playlist.media_sequence, playlist.discontinuity_sequence, playlist.ended
        if sequence < self.media_sequence:
            self.fail("went_backwards", f"media sequence {self.media_sequence} -> {sequence}")
        if dseq < self.dseq:
            self.fail("went_backwards", f"discontinuity sequence {self.dseq} -> {dseq}")
        self.media_sequence, self.dseq = max(self.media_sequence, sequence), max(self.dseq, dseq)
        number = dseq
        # The Low-Latency segment still being written (parts, no URI yet) is not in playlist.segments.
        for segment in playlist.segments:
            if segment["discontinuity"]:
                number += 1
            segment["dnum"] = number
            old = self.seen.get(segment["msn"])
            if old is not None:
                fields = ("uri", "discontinuity", "dnum")
                if [old[f] for f in fields] != [segment[f] for f in fields]:
                    self.fail("changed_on_reload", f"msn {segment['msn']}: {old['uri']} disc={old['discontinuity']} "
                              f"n={old['dnum']} -> {segment['uri']} disc={segment['discontinuity']} n={segment['dnum']}")
                continue
            if self.ended_at is not None:
                self.fail("resumed_after_end", f"msn {segment['msn']} after EXT-X-ENDLIST")
            self.fetch(segment)
            self.seen[segment["msn"]] = segment
        if ended and self.ended_at is None:
            self.ended_at = time.time()
            if self.path not in self.run.done_paths:
                self.fail("ended_early", "EXT-X-ENDLIST while the camera was still flapping")

    def fetch(self, segment):
        init = b""
        if self.kind == "ll" and segment["map"]:
            if segment["map"] not in self.maps:
                status, init = http_get(resolve_uri(self.url, segment["map"]))
                self.maps[segment["map"]] = init if status == 200 else None
                if status != 200:
                    self.fail("unfetchable", f"init {segment['map']} -> {status}")
            init = self.maps.get(segment["map"]) or b""
        status, data = http_get(resolve_uri(self.url, segment["uri"]))
        self.run.last_fetch = now()
        self.run.tally.add(f"{self.kind}:segments_fetched")
        if status != 200 or not data:
            self.fail("unfetchable", f"msn {segment['msn']} {segment['uri']} -> {status}")
            segment["failed"] = True
            return
        if self.kind == "classic":
            segment["publisher"] = publisher_of_pts(first_video_pts(data))
        self.run.decoder.offer(self, segment, init + data)

    def finish(self):
        """Gaps, and discontinuities against the publishers that made the segments."""
        numbers = sorted(self.seen)
        key = "publisher" if self.kind == "classic" else "map"
        self.run.watch_logs[f"{self.kind} {self.path}"] = [
            [n, self.seen[n]["discontinuity"], self.seen[n].get(key), self.seen[n]["duration"]] for n in numbers]
        if not numbers:
            return
        expected = set(range(numbers[0], numbers[-1] + 1))
        missing = sorted(expected - set(numbers))
        if missing:
            self.fail("missing_segments", f"msn {missing[:10]}")
            self.run.tally.add(f"{self.kind}:missing_segment_count", len(missing) - 1)
        self.run.tally.add(f"{self.kind}:segments", len(numbers))
        self.run.tally.add(f"{self.kind}:discontinuities", sum(1 for n in numbers if self.seen[n]["discontinuity"]))
        if self.ended_at is None:
            self.fail("never_ended", "no EXT-X-ENDLIST after the last camera left")
        key = "publisher" if self.kind == "classic" else "map"
        for n in numbers:
            segment, before = self.seen[n], self.seen.get(n - 1)
            if self.kind == "classic":
                owner = segment.get("publisher")
                if owner is None and not segment.get("failed"):
                    self.fail("unattributed", f"msn {n}: no video PTS")
                elif owner is not None:
                    record = self.run.publishers.get(owner)
                    if record is None or record["path"] != self.path:
                        self.fail("foreign_media", f"msn {n}: PTS of publisher {owner}")
                    else:
                        record["segments"].append((n, segment["duration"]))
            if before is None or before.get(key) is None or segment.get(key) is None:
                continue
            joined = before[key] != segment[key]
            if joined and not segment["discontinuity"]:
                self.fail("missing_discontinuity", f"msn {n}: {key} {before[key]} -> {segment[key]}")
            elif segment["discontinuity"] and not joined:
                self.fail("unexpected_discontinuity", f"msn {n}: same {key} {segment[key]}")


class Decoder:
    """Decodes a sample of segments with ffmpeg on two worker threads."""

    def __init__(self, run, every, workers=2):
        self.run = run
        self.every = every
        self.queue = queue.Queue()
        self.counter = 0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.work, daemon=True) for _ in range(workers)]
        for thread in self.threads:
            thread.start()

    def offer(self, watch, segment, data):
        with self.lock:
            self.counter += 1
            take = segment["discontinuity"] or self.counter % self.every == 0 or not watch.seen
        if not take:
            return
        if not segment["discontinuity"] and self.queue.qsize() > 100:
            self.run.tally.add("decode_skipped_busy")
            return
        self.queue.put((watch, segment, data))

    def work(self):
        while True:
            item = self.queue.get()
            if item is None:
                return
            try:
                self.check(*item)
            finally:
                self.queue.task_done()

    def check(self, watch, segment, data):
        suffix = ".ts" if watch.kind == "classic" else ".mp4"
        with tempfile.NamedTemporaryFile(suffix=suffix, dir=self.run.scratch) as handle:
            handle.write(data)
            handle.flush()
            probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0",
                                    "-show_entries", "stream=codec_name,width,height", "-of", "json", handle.name],
                                   capture_output=True, text=True, timeout=60)
            decode = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-threads", "1", "-i", handle.name,
                                     "-f", "null", "-"], capture_output=True, text=True, timeout=120)
        self.run.tally.add(f"{watch.kind}:segments_decoded")
        if decode.returncode != 0 or decode.stderr.strip():
            watch.fail("decode_errors", f"msn {segment['msn']}: {decode.stderr.strip()[:160]}")
        try:
            stream = json.loads(probe.stdout)["streams"][0]
            got = (stream["codec_name"], stream["width"], stream["height"])
        except (ValueError, KeyError, IndexError):
            watch.fail("decode_errors", f"msn {segment['msn']}: no video stream")
            return
        if segment["discontinuity"]:
            self.run.tally.add(f"{watch.kind}:discontinuity_segments_decoded")
        owner = self.run.publishers.get(segment.get("publisher"))
        if owner is not None and VARIANTS[owner["variant"]] != got:
            watch.fail("wrong_codec_or_size", f"msn {segment['msn']}: {got}, publisher sent {owner['variant']}")
        elif got not in VARIANTS.values():
            watch.fail("wrong_codec_or_size", f"msn {segment['msn']}: {got}")

    def drain(self, timeout):
        deadline = now() + timeout
        while self.queue.unfinished_tasks and now() < deadline:
            time.sleep(0.2)
        return self.queue.unfinished_tasks == 0


# --- publishers --------------------------------------------------------------------------------

class Run:
    def __init__(self, options):
        self.options = options
        self.base = f"http://127.0.0.1:{options.http_port}"
        self.tally = Tally()
        self.publishers = {}          # index -> record
        self.lock = threading.Lock()
        self.next_publisher = 0
        self.live = 0
        self.live_peak = 0
        self.live_samples = []
        self.cycles = []
        self.finishing = threading.Event()
        self.done_paths = set()
        self.watch_logs = {}
        self.last_fetch = now()
        self.scratch = options.scratch
        self.decoder = Decoder(self, options.decode_every)
        self.clips = {"h264-360p": options.clip_h264, "hevc-360p": options.clip_hevc, "h264-540p": options.clip_h264_540}
        self.procs = set()

    def new_publisher(self, path, variant):
        with self.lock:
            index = self.next_publisher
            self.next_publisher += 1
            record = {"index": index, "path": path, "variant": variant, "segments": [], "attempts": 0,
                      "refused": 0, "accepted": False, "live_seconds": 0.0, "end": None}
            self.publishers[index] = record
        return record

    def launch(self, record):
        offset = OFFSET_BASE + record["index"] * OFFSET_STEP
        url = f"srt://127.0.0.1:{self.options.srt_port}?streamid=publish:{record['path']}&pkt_size=1316"
        command = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1",
                   "-i", self.clips[record["variant"]], "-c", "copy", "-output_ts_offset", str(offset),
                   "-f", "mpegts", url]
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        with self.lock:
            self.procs.add(proc)
        return proc

    def reap(self, proc):
        try:
            _, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        with self.lock:
            self.procs.discard(proc)
        return err.decode("utf-8", "replace")

    def set_live(self, delta):
        with self.lock:
            self.live += delta
            self.live_peak = max(self.live_peak, self.live)

    def connect(self, record, deadline_seconds=20.0):
        """Launches ffmpeg until one attempt stays up (the gateway accepted it). A refused attempt
        (the path still held by a live or half-open publisher) ends at once with a rejection."""
        started = now()
        while now() - started < deadline_seconds:
            record["attempts"] += 1
            proc = self.launch(record)
            launched = now()
            while now() - launched < 1.5 and proc.poll() is None:
                time.sleep(0.05)
            if proc.poll() is None:
                record["accepted"] = True
                return proc, launched
            err = self.reap(proc)
            if self.rejected(err):
                record["refused"] += 1
                time.sleep(0.3)
                continue
            self.tally.add("publisher_start_errors", example=f"{record['path']}: {err.strip()[:160]}")
            time.sleep(0.5)
        return None, None

    @staticmethod
    def rejected(stderr):
        return "reject" in stderr.lower() or "setup failure" in stderr.lower()

    def stop(self, proc, how):
        if how == "kill":
            proc.kill()
        else:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=8)
        except subprocess.TimeoutExpired:
            self.tally.add("publisher_stop_timeouts")
            proc.kill()
        self.reap(proc)

    def camera(self, path, cycles, rng):
        """One path: a camera that connects, publishes, goes away and comes back `cycles` times."""
        variant = rng.choice(["h264-360p", "h264-360p", "hevc-360p", "h264-540p"])
        previous = None   # (disconnect kind, gap, variant change) of the last departure
        for n in range(cycles + 1):
            record = self.new_publisher(path, variant)
            proc, launched = self.connect(record)
            if previous is not None:
                cycle = {"path": path, "disconnect": previous[0], "gap": previous[1], "change": previous[2],
                         "refused": record["refused"], "reconnected": proc is not None, "publisher": record["index"]}
                with self.lock:
                    self.cycles.append(cycle)
            if proc is None:
                self.tally.add("failed_reconnects" if previous else "failed_first_connects",
                               example=f"{path} publisher {record['index']}")
                previous = (previous[0] if previous else "none", 0.0, "same")
                continue
            self.set_live(1)
            if n == cycles:
                kind = "final"
                duration = rng.uniform(2.0, 6.0)
            else:
                kind = rng.choices([k for k, _ in DISCONNECTS], [w for _, w in DISCONNECTS])[0]
                duration = rng.uniform(0.6, 1.6) if kind == "clean-early" else rng.uniform(1.5, 8.0)
            while True:
                while now() - launched < duration and proc.poll() is None:
                    time.sleep(0.05)
                record["live_seconds"] = now() - launched
                if proc.poll() is None:
                    self.stop(proc, "kill" if kind.startswith("kill") else "term")
                    break
                err = self.reap(proc)
                if self.rejected(err):
                    # A rejection that came after the 1.5 s we wait at launch (a slow start on a
                    # busy machine): a refused attempt like the others; try again.
                    record["refused"] += 1
                    proc, launched = self.connect(record)
                    if proc is not None:
                        continue
                    self.tally.add("failed_reconnects", example=f"{path} publisher {record['index']}")
                else:
                    self.tally.add("publishers_died", example=f"{path} publisher {record['index']} after "
                                   f"{record['live_seconds']:.1f} s: {err.strip()[:160]}")
                break
            record["end"] = kind
            self.set_live(-1)
            if kind == "final":
                with self.lock:
                    self.done_paths.add(path)
                break
            gap = {"clean": rng.uniform(0.1, 5.0), "clean-early": rng.uniform(0.1, 2.0),
                   "kill-halfopen": rng.uniform(0.0, 0.3), "kill-late": rng.uniform(1.2, 3.5)}[kind]
            time.sleep(gap)
            roll = rng.random()
            change = "same"
            if roll < 0.2:
                change = "codec"
                variant = "h264-360p" if variant == "hevc-360p" else "hevc-360p"
            elif roll < 0.35:
                change = "resolution"
                variant = "h264-360p" if variant == "h264-540p" else "h264-540p"
            previous = (kind, gap, change)

    def kill_all(self):
        with self.lock:
            procs = list(self.procs)
        for proc in procs:
            if proc.poll() is None:
                proc.kill()


def follow(watches, stop, interval):
    while not stop.is_set():
        started = now()
        for watch in watches:
            if stop.is_set():
                break
            watch.poll()
        stop.wait(max(0.0, interval - (now() - started)))


def settle(run, pid, timeout):
    """Waits until every path has ended and been forgotten and no SRT connection is open, then a
    little longer (libsrt closes sockets on its own garbage-collection thread)."""
    deadline = now() + timeout
    settled = False
    log("settling: waiting until every path is forgotten and no SRT connection is open")
    while now() < deadline and not settled:
        values = metrics(run.base)
        settled = bool(values) and metric_sum(values, "fieldrelay_paths") == 0 \
            and values.get("fieldrelay_srt_connections_active", 1) == 0
        time.sleep(1.0)
    # The gateway keeps served segments in a shared buffer cache for up to 60 s (MediaBufferCache,
    # swept every 10 s): measure once the last segment fetched has aged out of it, so both
    # measurements see the same, empty, cache.
    while now() < deadline and now() - run.last_fetch < run.options.cache_age + 10:
        time.sleep(1.0)
    time.sleep(run.options.settle_seconds)
    # Threads come and go in the runtime's pools: the fewest over five seconds is the figure.
    readings = []
    for _ in range(5):
        readings.append(process_figures(pid))
        time.sleep(1.0)
    figures = dict(readings[-1])
    for key in ("threads", "fds"):
        values = [r[key] for r in readings if r[key] is not None]
        figures[key] = min(values) if values else None
    log(f"settled: RSS {figures['rss_kb']} kB, {figures['fds']} files, {figures['threads']} threads")
    return figures, settled


def phase(run, name, paths, cycles_per_path, seed):
    """Runs the cameras of every path, watching the playlists, until every playlist has ended."""
    options = run.options
    run.finishing.clear()
    run.done_paths.clear()
    watches = [Watch(run, path, "classic") for path in paths]
    watches += [Watch(run, path, "ll") for i, path in enumerate(paths) if i % options.ll_every == 0]
    stop = threading.Event()
    # One thread per playlist: a reload the gateway holds (first segment not complete yet) must
    # not delay the other playlists' reloads, or segments slide out of the window unseen.
    viewers = [threading.Thread(target=follow, args=([watch], stop, options.poll_interval), daemon=True) for watch in watches]
    for viewer in viewers:
        viewer.start()
    cameras = []
    for i, path in enumerate(paths):
        rng = random.Random(seed * 7919 + i)
        thread = threading.Thread(target=run.camera, args=(path, cycles_per_path, rng), daemon=True)
        cameras.append(thread)
    started = now()
    for thread in cameras:
        thread.start()
        time.sleep(0.05)
    while any(thread.is_alive() for thread in cameras):
        values = metrics(run.base)
        if values:
            run.live_samples.append(values.get("fieldrelay_publishers_active", 0))
        time.sleep(2.0)
        if now() - started > options.phase_timeout:
            run.tally.add("phase_timeout", example=name)
            run.kill_all()
            break
    run.finishing.set()
    cycling = now() - started
    log(f"{name}: cameras done after {cycling:.0f} s; waiting for every playlist to end")
    # The last cameras left cleanly: each playlist ends after the reconnect grace window.
    deadline = now() + options.grace + 20
    while now() < deadline and not all(w.ended_at is not None for w in watches):
        time.sleep(0.5)
    stop.set()
    for viewer in viewers:
        viewer.join(timeout=30)
    for watch in watches:
        watch.finish()
    log(f"{name}: playlists ended; {run.decoder.queue.unfinished_tasks} segments still to decode")
    return cycling


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--srt-port", type=int, required=True)
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True, help="the gateway's process id")
    parser.add_argument("--clip-h264", required=True)
    parser.add_argument("--clip-hevc", required=True)
    parser.add_argument("--clip-h264-540", required=True)
    parser.add_argument("--paths", type=int, default=50)
    parser.add_argument("--cycles", type=int, default=1000, help="reconnects in all, spread over the paths")
    parser.add_argument("--warmup-cycles", type=int, default=1, help="reconnects per path before the baseline")
    parser.add_argument("--ll-every", type=int, default=5, help="every Nth path's Low-Latency playlist is watched too")
    parser.add_argument("--decode-every", type=int, default=6)
    parser.add_argument("--poll-interval", type=float, default=1.0)
    parser.add_argument("--grace", type=float, default=30, help="the gateway's paths.reconnectGraceSeconds")
    parser.add_argument("--settle-seconds", type=float, default=5)
    parser.add_argument("--settle-timeout", type=float, default=180)
    parser.add_argument("--cache-age", type=float, default=60, help="the gateway's media buffer cache's maximum age")
    parser.add_argument("--phase-timeout", type=float, default=1800)
    parser.add_argument("--rss-growth-limit-mb", type=float, default=32)
    parser.add_argument("--thread-tolerance", type=int, default=1,
                        help="threads the runtime's pools may hold beyond the baseline (a leak is one per cycle)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scratch", default=tempfile.gettempdir())
    parser.add_argument("--json", help="write the full report here")
    parser.add_argument("--markdown", help="write the Markdown report here")
    parser.add_argument("--command", default="scripts/faults/flap.sh", help="how this run was started (for the report)")
    parser.add_argument("--server-log", help="the gateway's log (takeovers, refusals after accept, crashes)")
    options = parser.parse_args()

    run = Run(options)
    pid = options.pid
    paths = [f"lab/flap-{i:02d}" for i in range(options.paths)]
    per_path = max(1, round(options.cycles / options.paths))
    resources = {"idle": process_figures(pid)}
    samples = []
    sampling = threading.Event()

    def sample():
        while not sampling.wait(2.0):
            figures = process_figures(pid)
            if figures["rss_kb"]:
                samples.append(figures)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()

    def interrupted(signum, frame):
        run.kill_all()
        sys.exit(130)
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)

    report = {"paths": options.paths, "cycles_per_path": per_path, "seed": options.seed}
    try:
        # Warm-up: every path flaps a little, then everything ends and is forgotten: the baseline.
        warm_tally = run.tally
        run.tally = Tally()
        phase(run, "warm-up", paths, options.warmup_cycles, options.seed + 1000)
        run.decoder.drain(120)
        warm_failures = {k: v for k, v in run.tally.counts.items() if is_failure(k) and v}
        resources["before"], settled = settle(run, pid, options.settle_timeout)
        if not settled:
            run.tally.add("settle_timeout", example="after warm-up")
        run.tally = warm_tally
        for key, value in warm_failures.items():
            run.tally.add("warmup:" + key, value)
        run.cycles.clear()
        first_measured = run.next_publisher

        metrics_before = metrics(run.base)
        cycling = phase(run, "cycles", paths, per_path, options.seed)
        run.decoder.drain(300)
        metrics_after = metrics(run.base)
        resources["after"], settled = settle(run, pid, options.settle_timeout)
        if not settled:
            run.tally.add("settle_timeout", example="after the cycles")
    finally:
        sampling.set()
        run.kill_all()

    alive = os.path.exists(f"/proc/{pid}")
    if not alive:
        run.tally.add("gateway_died")
    resources["peak_rss_kb"] = max([s["rss_kb"] for s in samples] + [0])
    resources["hwm_kb"] = (resources["after"] or {}).get("hwm_kb")
    before, after = resources["before"], resources["after"]
    if alive and before["rss_kb"] and after["rss_kb"]:
        growth_mb = (after["rss_kb"] - before["rss_kb"]) / 1024
        if growth_mb > options.rss_growth_limit_mb:
            run.tally.add("rss_growth", example=f"{growth_mb:.1f} MB")
        if after["fds"] > before["fds"]:
            run.tally.add("leaked_fds", after["fds"] - before["fds"])
        if after["threads"] > before["threads"] + options.thread_tolerance:
            run.tally.add("leaked_threads", after["threads"] - before["threads"])

    measured = [r for i, r in run.publishers.items() if i >= first_measured]
    for record in measured:
        if record["accepted"] and record["live_seconds"] >= 6.0 and not record["segments"]:
            run.tally.add("publishers_without_segments", example=f"{record['path']} publisher {record['index']} "
                          f"({record['variant']}, {record['live_seconds']:.1f} s)")
    left_mid_segment = sum(1 for r in measured if r["segments"] and r["end"] != "final"
                           and sorted(r["segments"])[-1][1] is not None and sorted(r["segments"])[-1][1] < 1.9)
    by_kind = {}
    for cycle in run.cycles:
        entry = by_kind.setdefault(cycle["disconnect"], {"cycles": 0, "refused_attempts": 0, "failed": 0,
                                                         "codec_change": 0, "resolution_change": 0})
        entry["cycles"] += 1
        entry["refused_attempts"] += cycle["refused"]
        entry["failed"] += 0 if cycle["reconnected"] else 1
        if cycle["change"] == "codec":
            entry["codec_change"] += 1
        elif cycle["change"] == "resolution":
            entry["resolution_change"] += 1
    refused_after_clean = sum(c["refused"] for c in run.cycles if c["disconnect"].startswith("clean"))
    counts = dict(run.tally.counts)
    failures = {k: v for k, v in counts.items() if is_failure(k) and v}
    rejections = {k: v - metrics_before.get(k, 0) for k, v in metrics_after.items() if k.startswith("fieldrelay_srt_rejections_total")}
    report.update({
        "cycles": len(run.cycles),
        "cycles_by_kind": by_kind,
        "cycling_seconds": round(cycling, 1),
        "publishers": len(measured),
        "publishers_left_mid_segment": left_mid_segment,
        "refused_attempts": sum(c["refused"] for c in run.cycles),
        "refused_after_clean_close": refused_after_clean,
        "gateway_rejections": rejections,
        "server_log": server_log_counts(options.server_log),
        "live_publishers": {"peak": run.live_peak,
                            "mean_reported": round(sum(run.live_samples) / len(run.live_samples), 1) if run.live_samples else 0},
        "resources": resources,
        "rss_timeline_mb": [round(s["rss_kb"] / 1024, 1) for s in samples[::max(1, len(samples) // 40)]],
        "counts": counts,
        "failures": failures,
        "examples": run.tally.examples,
        "gateway_metrics_delta": {k: metrics_after.get(k, 0) - metrics_before.get(k, 0) for k in (
            "fieldrelay_hls_segments_total", "fieldrelay_hls_mux_errors_total", "fieldrelay_hls_oversized_segments_total",
            "fieldrelay_ingest_continuity_errors_total", "fieldrelay_srt_handshakes_admitted_total",
            "fieldrelay_srt_connections_accepted_total")},
        "passed": not failures,
        "publisher_log": [[r["index"], r["path"], r["variant"], r["accepted"], round(r["live_seconds"], 1), r["end"],
                           r["refused"], len(r["segments"])] for r in measured],
        "watch_logs": run.watch_logs,
    })
    if options.json:
        with open(options.json, "w") as handle:
            json.dump(report, handle, indent=1)
    print_summary(report)
    if options.markdown:
        with open(options.markdown, "w") as handle:
            handle.write(markdown(report, options.command))
    return 0 if report["passed"] else 1


def server_log_counts(path):
    counts = {"taken_over": 0, "refused_after_accept": 0, "crashed": 0, "path_ended": 0}
    if not path or not os.path.exists(path):
        return counts
    with open(path, errors="replace") as handle:
        for line in handle:
            if "publisher taken over" in line:
                counts["taken_over"] += 1
            elif "publisher refused after accept" in line:
                counts["refused_after_accept"] += 1
            elif "Program crashed" in line or "Fatal error" in line:
                counts["crashed"] += 1
            elif "path ended: publisher did not return" in line:
                counts["path_ended"] += 1
    return counts


FAILURE_SUFFIXES = ("went_backwards", "changed_on_reload", "resumed_after_end", "ended_early", "unfetchable",
                    "missing_segments", "never_ended", "unattributed", "foreign_media", "missing_discontinuity",
                    "unexpected_discontinuity", "decode_errors", "wrong_codec_or_size", "playlist_errors")
FAILURE_KEYS = ("failed_reconnects", "failed_first_connects", "publishers_died", "publisher_start_errors",
                "publisher_stop_timeouts", "phase_timeout", "settle_timeout", "gateway_died", "rss_growth",
                "leaked_fds", "leaked_threads", "publishers_without_segments")


def is_failure(key):
    bare = key.split(":", 1)[1] if key.startswith("warmup:") else key
    return bare in FAILURE_KEYS or bare.split(":")[-1] in FAILURE_SUFFIXES


def markdown(report, command):
    counts, resources = report["counts"], report["resources"]
    mb = lambda kb: f"{kb / 1024:.1f}" if kb else "?"
    lines = [
        "# Flapping cameras",
        "",
        f"`{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
        f"**{'passed' if report['passed'] else 'FAILED'}**.",
        "",
        f"{report['cycles']} disconnect/reconnect cycles over {report['paths']} paths in {report['cycling_seconds']} s, "
        f"{report['publishers']} ffmpeg publishers (peak {report['live_publishers']['peak']} live at once, "
        f"mean {report['live_publishers']['mean_reported']} as /metrics reported every 2 s); "
        f"{report['publishers_left_mid_segment']} publishers left mid-segment (their last segment shorter than the target).",
        "",
        "| how the camera went away | cycles | then codec changed | then resolution changed | refused attempts | failed reconnects |",
        "|---|---|---|---|---|---|",
    ]
    for kind, entry in sorted(report["cycles_by_kind"].items()):
        lines.append(f"| {kind} | {entry['cycles']} | {entry['codec_change']} | {entry['resolution_change']} | "
                     f"{entry['refused_attempts']} | {entry['failed']} |")
    lines += ["", "| playlist | reloads checked | segments | fetched | decoded | discontinuities |", "|---|---|---|---|---|---|"]
    for kind, label in (("classic", "classic `ts.m3u8`"), ("ll", "Low-Latency `index.m3u8`")):
        lines.append(f"| {label} | {counts.get(kind + ':playlists_checked', 0)} | {counts.get(kind + ':segments', 0)} | "
                     f"{counts.get(kind + ':segments_fetched', 0)} | {counts.get(kind + ':segments_decoded', 0)} | "
                     f"{counts.get(kind + ':discontinuities', 0)} |")
    lines += [
        "",
        "| gateway | idle | before (after warm-up, settled) | after (settled) | peak |",
        "|---|---|---|---|---|",
        f"| RSS (MB) | {mb(resources['idle']['rss_kb'])} | {mb(resources['before']['rss_kb'])} | {mb(resources['after']['rss_kb'])} | {mb(resources['peak_rss_kb'])} |",
        f"| open files | {resources['idle']['fds']} | {resources['before']['fds']} | {resources['after']['fds']} | |",
        f"| threads | {resources['idle']['threads']} | {resources['before']['threads']} | {resources['after']['threads']} | |",
        "",
        f"Gateway log: {report['server_log']['taken_over']} takeovers of a half-open publisher, "
        f"{report['server_log']['refused_after_accept']} refused after accept, {report['server_log']['crashed']} crashes. "
        f"SRT rejections during the cycles: {json.dumps(report['gateway_rejections'])}.",
        f"Gateway counters during the cycles: {json.dumps(report['gateway_metrics_delta'])}.",
        "",
        f"RSS over the run (MB): {' '.join(str(v) for v in report['rss_timeline_mb'])}",
        "",
    ]
    if report["failures"]:
        lines.append("Failures:")
        lines.append("")
        for key, value in sorted(report["failures"].items()):
            lines.append(f"- `{key}`: {value} {'; '.join(report['examples'].get(key, []))}")
    else:
        lines.append("No failure: no missing segment, no unexpected or missing discontinuity, no playlist going back, "
                     "nothing unfetchable or undecodable, no failed reconnect, no leaked file or thread.")
    return "\n".join(lines) + "\n"


def print_summary(report):
    counts = report["counts"]
    resources = report["resources"]
    mb = lambda kb: f"{kb / 1024:.1f} MB" if kb else "?"
    print(f"cycles: {report['cycles']} over {report['paths']} paths in {report['cycling_seconds']} s "
          f"(publishers {report['publishers']}, live at once: peak {report['live_publishers']['peak']}, "
          f"mean {report['live_publishers']['mean_reported']})")
    for kind, entry in sorted(report["cycles_by_kind"].items()):
        print(f"  {kind:14} {entry['cycles']:5} cycles, {entry['codec_change']} codec and {entry['resolution_change']} "
              f"resolution changes, {entry['refused_attempts']} refused attempts, {entry['failed']} failed")
    print(f"publishers that left mid-segment: {report['publishers_left_mid_segment']}")
    for kind in ("classic", "ll"):
        print(f"{kind}: {counts.get(kind + ':playlists_checked', 0)} playlists checked, "
              f"{counts.get(kind + ':segments', 0)} segments ({counts.get(kind + ':segments_fetched', 0)} fetched, "
              f"{counts.get(kind + ':segments_decoded', 0)} decoded), "
              f"{counts.get(kind + ':discontinuities', 0)} discontinuities")
    print(f"gateway: RSS idle {mb(resources['idle']['rss_kb'])}, before {mb(resources['before']['rss_kb'])}, "
          f"after {mb(resources['after']['rss_kb'])}, peak {mb(resources['peak_rss_kb'])}; "
          f"fds {resources['before']['fds']} -> {resources['after']['fds']}; "
          f"threads {resources['before']['threads']} -> {resources['after']['threads']}")
    if report["failures"]:
        print("FAILED:")
        for key, value in sorted(report["failures"].items()):
            print(f"  {key}: {value}  {report['examples'].get(key, '')}")
    else:
        print("passed: every playlist continuous, discontinuities exactly at the joins, nothing leaked")


if __name__ == "__main__":
    sys.exit(main())
