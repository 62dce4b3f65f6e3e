#!/usr/bin/env python3
"""Abuse at the edge: attacks a running `fieldrelay serve` on loopback while a legitimate camera
publishes and a legitimate hall watches, and checks that the hall was not disturbed and that every
attack moved its refusal counter in /metrics. Python standard library only (asyncio raw sockets for
HTTP, `fieldrelay loadgen` for the SRT floods).

Output: a JSON report on stdout; exit status 1 when the hall or camera was disturbed or a counter
did not move."""
import argparse
import asyncio
import http.client
import json
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from harness import open_files, parse_metrics, parse_playlist, percentile, read_loadgen_json, rss_kib  # noqa: E402

SHORT = dict(baseline=8, idle=2000, idle_hold=12, slowloris=60, headers=5, bodies=5, streamed=2, held=1000,
             srt_bad=1000, srt_ramp=400, wrong_keys=400)
FULL = dict(baseline=15, idle=10000, idle_hold=15, slowloris=250, headers=50, bodies=20, streamed=5, held=5000,
            srt_bad=5000, srt_ramp=500, wrong_keys=2000)


def log(message):
    print(f"[abuse {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- /metrics and the server process ---------------------------------------------------------------

def metrics(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as reply:
        return parse_metrics(reply.read().decode())


def server_figures(pid):
    """(VmRSS in MiB, open descriptors) of the gateway; OSError when it is gone."""
    return rss_kib(pid) // 1024, open_files(pid)


# --- the legitimate hall ---------------------------------------------------------------------------

class Hall(threading.Thread):
    """Polls the camera's classic playlist twice a second over a keep-alive connection (reconnecting
    once on a stale keep-alive, as browsers do), fetches every new segment once, samples the server's
    RSS and descriptors, and records playlist-fetch latency by time."""

    def __init__(self, port, path, pid):
        super().__init__(daemon=True)
        self.port, self.path, self.pid = port, path, pid
        self.stop = threading.Event()
        self.fetches = []          # (time, seconds, ok)
        self.failures = []         # (time, what)
        self.retries = 0
        self.seen = set()
        self.discontinuities = 0
        self.samples = []          # (time, rss_mb, fds)
        self.connection = None

    def get(self, target):
        for attempt in (0, 1):
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                self.connection.request("GET", target)
                reply = self.connection.getresponse()
                body = reply.read()
                return reply.status, body
            except (http.client.HTTPException, OSError):
                if self.connection:
                    self.connection.close()
                self.connection = None
                if attempt == 0:
                    self.retries += 1
                    continue
                raise

    def run(self):
        playlist = f"/hls/{self.path}/ts.m3u8"
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                status, body = self.get(playlist)
                elapsed = time.monotonic() - started
                ok = status == 200
                self.fetches.append((started, elapsed, ok))
                if not ok:
                    self.failures.append((started, f"playlist {status}"))
                else:
                    self.segments(body.decode(errors="replace"))
            except Exception as error:  # noqa: BLE001 - any failure of the hall is a finding
                self.fetches.append((started, time.monotonic() - started, False))
                self.failures.append((started, f"playlist {error!r}"))
            try:
                rss, fds = server_figures(self.pid)
                self.samples.append((time.monotonic(), rss, fds))
            except OSError:
                pass
            self.stop.wait(max(0.0, 0.5 - (time.monotonic() - started)))

    def segments(self, text):
        for segment in parse_playlist(text).segments:
            msn = segment["msn"]
            if msn in self.seen:
                continue
            if segment["discontinuity"]:
                self.discontinuities += 1
            started = time.monotonic()
            try:
                status, body = self.get(f"/hls/{self.path}/{segment['uri']}")
                if status != 200 or not body:
                    self.failures.append((started, f"segment {msn} {status}"))
                    continue
                self.seen.add(msn)
            except Exception as error:  # noqa: BLE001
                self.failures.append((started, f"segment {msn} {error!r}"))

    def missing(self):
        if not self.seen:
            return []
        return [m for m in range(min(self.seen), max(self.seen) + 1) if m not in self.seen]

    def window(self, start, end):
        latencies = [s for t, s, ok in self.fetches if start <= t < end and ok]
        failed = sum(1 for t, _, ok in self.fetches if start <= t < end and not ok)
        samples = [(r, f) for t, r, f in self.samples if start <= t < end]

        def ms(p):
            value = percentile(latencies, p, method="above")
            return None if value is None else round(value * 1000, 1)
        return dict(fetches=len(latencies) + failed, failed=failed, p50_ms=ms(50), p99_ms=ms(99),
                    max_rss_mb=max((r for r, _ in samples), default=None), max_fds=max((f for _, f in samples), default=None))


# --- HTTP attacks ----------------------------------------------------------------------------------

async def open_many(port, count, parallel=400):
    gate = asyncio.Semaphore(parallel)
    opened = []

    async def one():
        async with gate:
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
                opened.append((reader, writer))
            except (OSError, asyncio.TimeoutError):
                pass
    await asyncio.gather(*(one() for _ in range(count)))
    return opened


async def closed_by_server(reader):
    try:
        data = await asyncio.wait_for(reader.read(65536), 0.05)
        return data == b""
    except asyncio.TimeoutError:
        return False
    except OSError:
        return True


def close_all(connections):
    for _, writer in connections:
        try:
            writer.close()
        except Exception:  # noqa: BLE001
            pass


async def idle_connections(port, count, hold):
    connections = await open_many(port, count)
    log(f"idle: {len(connections)} of {count} connections open; holding {hold} s")
    await asyncio.sleep(hold)
    closed = sum(await asyncio.gather(*(closed_by_server(r) for r, _ in connections)))
    close_all(connections)
    return dict(attempted=count, opened=len(connections), closed_by_server=closed)


async def slowloris(port, count, limit):
    """Each client sends a request head one byte a second and never finishes it."""
    head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Slow: " + b"a" * 10000
    closes = []

    async def one():
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
        except (OSError, asyncio.TimeoutError):
            return
        started = time.monotonic()
        try:
            for byte in head:
                writer.write(bytes([byte]))
                await writer.drain()
                if await closed_by_server(reader):
                    closes.append(time.monotonic() - started)
                    return
                if time.monotonic() - started > limit:
                    return
                await asyncio.sleep(1)
        except OSError:
            closes.append(time.monotonic() - started)
        finally:
            writer.close()
    await asyncio.gather(*(one() for _ in range(count)))
    return dict(clients=count, closed_by_server=len(closes),
                median_seconds_to_close=round(statistics.median(closes), 1) if closes else None)


async def exchange(port, payload, read_limit=10):
    """Sends the payload (stopping if the server closes) and returns the status line's code."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
    except (OSError, asyncio.TimeoutError):
        return "connect-failed"
    try:
        for offset in range(0, len(payload), 65536):
            writer.write(payload[offset:offset + 65536])
            await writer.drain()
        line = await asyncio.wait_for(reader.readline(), read_limit)
        match = re.match(rb"HTTP/1\.1 (\d+)", line)
        return match.group(1).decode() if match else "closed"
    except (OSError, asyncio.TimeoutError):
        return "closed"
    finally:
        writer.close()


async def huge_headers(port, count, seconds=6):
    """Rounds of `count` requests with a 1 MB header field, for at least `seconds` (so the hall's
    figures cover the attack)."""
    payload = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: " + b"h" * (1024 * 1024) + b"\r\n\r\n"
    results = []
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        results += await asyncio.gather(*(exchange(port, payload) for _ in range(count)))
    return dict(requests=len(results), outcomes={k: results.count(k) for k in sorted(set(results))})


async def huge_bodies(port, claimed, streamed, seconds=6):
    declared = (b"POST /api/v1/devices HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Content-Length: 104857600\r\n\r\n" + b"{" * 65536)
    results = []
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        results += await asyncio.gather(*(exchange(port, declared) for _ in range(claimed)))
    sent = []

    async def stream():
        """A chunked body of up to 100 MB: how much does the server take before it cuts it off?"""
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /api/v1/devices HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"10000\r\n" + b"x" * 65536 + b"\r\n"
        total = 0
        try:
            while total < 100 * 1024 * 1024:
                writer.write(chunk)
                await asyncio.wait_for(writer.drain(), 10)
                total += 65536
        except (OSError, asyncio.TimeoutError):
            pass
        sent.append(total)
        writer.close()
    await asyncio.gather(*(stream() for _ in range(streamed)))
    return dict(declared_100MB=len(results), declared_outcomes={k: results.count(k) for k in sorted(set(results))},
                streamed=streamed, streamed_bytes_before_cut_max=max(sent, default=0))


async def held_requests(port, path, count):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/hls/{path}/ll.m3u8", timeout=15) as reply:
        playlist = parse_playlist(reply.read().decode())
    # The last complete segment (not the one whose parts are being written).
    last = playlist.segments[-1]["msn"] if playlist.segments else playlist.media_sequence - 1
    target = f"/hls/{path}/ll.m3u8?_HLS_msn={last + 2}"
    request = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
    started = time.monotonic()
    results = await asyncio.gather(*(exchange(port, request, read_limit=20) for _ in range(count)))
    return dict(requests=count, msn=last + 2, seconds=round(time.monotonic() - started, 1),
                outcomes={k: results.count(k) for k in sorted(set(results))})


# --- SRT floods (fieldrelay loadgen) -----------------------------------------------------------------

def loadgen(binary, srt_port, clip, streams, stream_id, ramp, passphrase=None, first_index=0):
    seconds = streams / ramp + 5
    command = [binary, "loadgen", "--url", f"srt://127.0.0.1:{srt_port}", "--file", clip, "--streams", str(streams),
               "--stream-id", stream_id, "--ramp", str(ramp), "--duration", str(int(seconds) + 1),
               "--connect-timeout", "3000", "--first-index", str(first_index), "--json", "--quiet"]
    if passphrase:
        command += ["--passphrase", passphrase]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    _, summary = read_loadgen_json(done.stdout.splitlines())
    return dict(streams=streams, connected=summary.get("connected"), rejected=summary.get("rejected"),
                rejections=summary.get("rejections"))


def log_lines(path, pattern):
    try:
        with open(path, errors="replace") as handle:
            return sum(1 for line in handle if pattern in line)
    except OSError:
        return 0


# --- the run -----------------------------------------------------------------------------------------

def delta(before, after, key):
    return after.get(key, 0) - before.get(key, 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--srt-port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--fieldrelay", required=True)
    parser.add_argument("--clip", required=True)
    parser.add_argument("--camera-path", required=True)
    parser.add_argument("--admin-token", required=True)
    parser.add_argument("--server-log", required=True)
    parser.add_argument("--short", action="store_true")
    parser.add_argument("--max-connections", type=int, required=True)
    parser.add_argument("--max-held", type=int, required=True)
    args = parser.parse_args()
    counts = SHORT if args.short else FULL
    port = args.http_port

    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/rooms?limit=8",
                                     headers={"Authorization": f"Bearer {args.admin_token}"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        rooms = [room["code"] for room in json.load(reply)["rooms"]]

    hall = Hall(port, args.camera_path, args.pid)
    hall.start()
    phases = []
    problems = []

    def phase(name, action, checks, settle=1):
        before = metrics(port)
        refused_lines = log_lines(args.server_log, "SRT connection refused")
        start = time.monotonic()
        log(f"{name}: start")
        result = action()
        end = time.monotonic()
        time.sleep(settle)
        after = metrics(port)
        moved = {label: delta(before, after, key) for label, key in checks}
        window = hall.window(start, end)
        entry = dict(name=name, seconds=round(end - start, 1), result=result, counters=moved, hall=window,
                     srt_refusal_log_lines=log_lines(args.server_log, "SRT connection refused") - refused_lines)
        phases.append(entry)
        log(f"{name}: {json.dumps(result)} counters {json.dumps(moved)} hall {json.dumps(window)}")
        for label, _ in checks:
            if moved[label] <= 0 and name != "baseline":
                problems.append(f"{name}: counter {label} did not move")
        return entry

    http_refused = 'fieldrelay_http_requests_refused_total{reason="%s"}'
    http_closed = 'fieldrelay_http_connections_closed_total{reason="%s"}'

    phase("baseline", lambda: time.sleep(counts["baseline"]) or {}, [])
    rss_baseline, _ = server_figures(args.pid)
    phase("idle connections", lambda: asyncio.run(idle_connections(port, counts["idle"], counts["idle_hold"])),
                 [("evicted_idle", http_closed % "evicted_idle")] if counts["idle"] > args.max_connections else
                 [("idle_timeout", http_closed % "idle_timeout")])
    phase("slowloris", lambda: asyncio.run(slowloris(port, counts["slowloris"], 60)),
          [("idle_timeout", http_closed % "idle_timeout")])
    phase("huge headers (1 MB)", lambda: asyncio.run(huge_headers(port, counts["headers"])),
          [("header_too_large", http_refused % "header_too_large")])
    phase("huge bodies (100 MB)", lambda: asyncio.run(huge_bodies(port, counts["bodies"], counts["streamed"])),
          [("body_too_large", http_refused % "body_too_large")])
    phase("held LL-HLS requests", lambda: asyncio.run(held_requests(port, args.camera_path, counts["held"])),
          [("held_requests", http_refused % "held_requests")])
    phase("SRT bad stream ids", lambda: {
        "unknown rooms": loadgen(args.fieldrelay, args.srt_port, args.clip, counts["srt_bad"] // 2, "#!::r=room/9999999{i},m=publish",
                                 counts["srt_ramp"], first_index=10000),
        "malformed": loadgen(args.fieldrelay, args.srt_port, args.clip, counts["srt_bad"] // 2, "../../etc/{i}?%00",
                             counts["srt_ramp"]),
    }, [("1404", 'fieldrelay_srt_rejections_total{code="1404"}'), ("1400", 'fieldrelay_srt_rejections_total{code="1400"}')])
    per_room = counts["wrong_keys"] // len(rooms[:4])
    phase("SRT wrong keys", lambda: {
        room: loadgen(args.fieldrelay, args.srt_port, args.clip, per_room, f"#!::r=room/{room},m=publish", counts["srt_ramp"],
                      passphrase="wrong-key-by-the-thousand") for room in rooms[:4]
    }, [("handshakes_failed", "fieldrelay_srt_handshakes_failed_total"),
        ("admitted", "fieldrelay_srt_handshakes_admitted_total"),
        ("throttled", "fieldrelay_srt_handshakes_throttled_total")],
        # A failed handshake is counted once its pending lifetime (5 s) has passed without an accept.
        settle=6)
    # Memory: what the attacks made the gateway allocate must go back to the system once they end
    # (memory.trimIntervalSeconds, 30 s by default), with the camera and the hall still running.
    rss_deadline = time.monotonic() + 45
    rss_after, _ = server_figures(args.pid)
    while rss_after > rss_baseline + 64 and time.monotonic() < rss_deadline:
        time.sleep(2)
        rss_after, _ = server_figures(args.pid)
    memory = dict(baseline_mb=rss_baseline, peak_mb=max((r for _, r, _ in hall.samples), default=None), after_mb=rss_after)
    log(f"memory: RSS {rss_baseline} MB after the baseline, peak {memory['peak_mb']} MB, {rss_after} MB after the attacks")
    if rss_after > rss_baseline + 64:
        problems.append(f"memory: RSS {rss_after} MB 45 s after the attacks, {rss_baseline} MB before them")
    hall.stop.set()
    hall.join(15)

    # The legitimate hall and camera.
    missing = hall.missing()
    if missing:
        problems.append(f"hall: segments missing from the camera's playlist: {missing[:20]}")
    if hall.discontinuities:
        problems.append(f"hall: {hall.discontinuities} discontinuities in the camera's playlist")
    if hall.failures:
        problems.append(f"hall: {len(hall.failures)} fetch failures, first: {hall.failures[:3]}")
    if len(hall.seen) < 5:
        problems.append(f"hall: only {len(hall.seen)} segments seen")
    # Expectations on the attacks' outcomes beyond the counters.
    for entry in phases:
        result = entry["result"]
        if entry["name"] == "huge headers (1 MB)" and result["outcomes"].get("431", 0) == 0:
            problems.append("huge headers: no 431 answer seen")
        if entry["name"] == "held LL-HLS requests" and result["outcomes"].get("200", 0) == 0:
            problems.append("held requests: none was answered 200 (the cap must leave room for held requests)")
        if entry["name"] == "SRT wrong keys":
            # Each caller either reached libsrt's key check and failed there, or was refused before it
            # because that room already had srt.maxPendingHandshakesPerStream tries pending.
            refused = entry["counters"]["handshakes_failed"] + entry["counters"]["throttled"]
            if refused < counts["wrong_keys"] * 0.9:
                problems.append(f"wrong keys: handshakes_failed + throttled moved {refused}, "
                                f"fewer than the {counts['wrong_keys']} wrong-key callers")
        if entry["name"] == "SRT bad stream ids" and sum(entry["counters"].values()) < counts["srt_bad"]:
            problems.append(f"bad stream ids: rejections moved {sum(entry['counters'].values())}, fewer than {counts['srt_bad']}")
        if entry["name"].startswith("SRT") and entry["srt_refusal_log_lines"] > 200:
            problems.append(f"{entry['name']}: {entry['srt_refusal_log_lines']} refusal log lines (not throttled)")
    report = dict(mode="short" if args.short else "full", counts=counts, phases=phases,
                  hall=dict(segments=len(hall.seen), missing=len(missing), discontinuities=hall.discontinuities,
                            failures=len(hall.failures), keepalive_reconnects=hall.retries),
                  memory=memory, problems=problems)
    print(json.dumps(report, indent=1))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
