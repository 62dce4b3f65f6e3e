#!/usr/bin/env python3
"""A Low-Latency HLS client for latency.sh (standard library only: asyncio and raw sockets).

follow URL... --duration S
    For each ll.m3u8, follows the live edge as the specification's client rules say
    (draft-pantos-hls-rfc8216bis 6.2.5.2): after one plain load it always asks for the next part
    with a blocking reload, `_HLS_msn=M&_HLS_part=P`, where (M, P) is the part named by
    EXT-X-PRELOAD-HINT (else the last listed part + 1). For every part that appears, it records the
    wall-clock time its playlist response was complete ("seen"), the part's duration and the
    request that revealed it; per segment it keeps EXT-X-PROGRAM-DATE-TIME (the gateway's wall
    clock when the segment's keyframe arrived). Parts listed in the first response are marked
    "initial": when they appeared says nothing.

hold URL --requests N --pid PID
    Opens N concurrent blocking reloads for a part far ahead (`_HLS_msn=<last+2>`), samples the
    gateway's VmRSS before and while they wait, and checks that every one is answered (200 when the
    segment arrives, 503 after three target durations) and none hangs.

Output: one JSON object on stdout."""
import argparse
import asyncio
import json
import resource
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from harness import parse_playlist, rss_kib  # noqa: E402


async def get(host, port, target, timeout):
    """One HTTP/1.1 GET on a fresh connection. Returns (status, body, time the body was complete)."""
    async def exchange():
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            if "content-length" in headers:
                body = await reader.readexactly(int(headers["content-length"]))
            elif headers.get("transfer-encoding", "").lower() == "chunked":
                body = b""
                while True:
                    size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    if size == 0:
                        break
                    body += await reader.readexactly(size)
                    await reader.readexactly(2)
            else:
                body = await reader.read()
            return status, body, time.time()
        finally:
            writer.close()
    return await asyncio.wait_for(exchange(), timeout)


async def follow(url, deadline):
    address = urllib.parse.urlsplit(url)
    host, port, path = address.hostname, address.port, address.path
    parts, pdt, requests = {}, {}, []
    record = {"source": url, "parts": [], "pdt": {}, "requests": [], "errors": 0, "target": None, "part_target": None}
    playlist = None
    while time.time() < deadline:
        wanted = None
        if playlist is not None:
            if playlist.preload_hint:
                wanted = playlist.preload_hint
            elif playlist.parts:
                last = max((p["msn"], p["part"]) for p in playlist.parts)
                wanted = (last[0], last[1] + 1)
        target = path if wanted is None else f"{path}?_HLS_msn={wanted[0]}&_HLS_part={wanted[1]}"
        asked = time.time()
        try:
            status, body, answered = await get(host, port, target, timeout=max(1.0, min(20.0, deadline - asked + 1)))
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError):
            record["errors"] += 1
            await asyncio.sleep(0.2)
            continue
        requests.append({"msn": wanted[0] if wanted else None, "part": wanted[1] if wanted else None,
                         "asked": asked, "answered": answered, "status": status})
        if status != 200:
            # 503 (not yet / three target durations passed) or 400 (too far): reload plainly.
            playlist = None if status == 400 else playlist
            await asyncio.sleep(0.1 if status == 503 else 0.2)
            continue
        initial = playlist is None and not parts
        playlist = parse_playlist(body.decode("utf-8", "replace"))
        record["target"], record["part_target"] = playlist.target_duration, playlist.part_target
        pdt.update(playlist.program_date_times)
        for part in playlist.parts:
            key = (part["msn"], part["part"])
            if key in parts:
                continue
            parts[key] = dict(part, seen=answered, asked=asked, initial=initial,
                              requested=wanted == key)
        if playlist.ended:
            break
    record["parts"] = [parts[key] for key in sorted(parts)]
    record["pdt"] = {str(k): v for k, v in sorted(pdt.items())}
    record["requests"] = requests
    return record


async def hold(url, count, pid, settle):
    address = urllib.parse.urlsplit(url)
    host, port, path = address.hostname, address.port, address.path
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 64), hard))
    status, body, _ = await get(host, port, path, timeout=15)
    if status != 200:
        return {"error": f"plain playlist load answered {status}"}
    playlist = parse_playlist(body.decode("utf-8", "replace"))
    msn = playlist.last_msn + 2
    limit = 3 * playlist.target_duration
    baseline = []
    for _ in range(5):
        baseline.append(rss_kib(pid))
        await asyncio.sleep(0.1)
    opened, answered = [0], []
    gate = asyncio.Semaphore(200)   # connects in flight at once (the listen backlog is finite)

    async def one():
        async with gate:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
            writer.write(f"GET {path}?_HLS_msn={msn} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
            await writer.drain()
            opened[0] += 1
            sent = time.time()
        try:
            line = await asyncio.wait_for(reader.readline(), limit + 10)
            answered.append(time.time())
            return int(line.split()[1]), time.time() - sent
        finally:
            writer.close()

    started = time.time()
    tasks = [asyncio.ensure_future(one()) for _ in range(count)]
    while opened[0] < count and not answered and time.time() - started < limit:
        await asyncio.sleep(0.02)
    all_open = time.time()
    await asyncio.sleep(settle)   # let the gateway read and park the last requests
    held = []
    while not answered and len(held) < 10:
        held.append(rss_kib(pid))
        await asyncio.sleep(0.1)
    results = await asyncio.gather(*tasks, return_exceptions=True)
    statuses, waits, failures = {}, [], {}
    for result in results:
        if isinstance(result, BaseException):
            kind = "hung (no answer within three target durations + 10 s)" if isinstance(result, asyncio.TimeoutError) else type(result).__name__
            failures[kind] = failures.get(kind, 0) + 1
        else:
            statuses[str(result[0])] = statuses.get(str(result[0]), 0) + 1
            waits.append(result[1])
    base = statistics.median(baseline)
    peak = max(held) if held else None
    return {
        "requests": count, "msn": msn, "limit_s": limit, "opened": opened[0],
        "open_seconds": round(all_open - started, 3), "baseline_kib": base, "held_kib": peak,
        "rss_samples_while_waiting": len(held),
        "kib_per_1000": None if peak is None or opened[0] == 0 else (peak - base) * 1000 / opened[0],
        "statuses": statuses, "failures": failures,
        "wait_min_s": min(waits) if waits else None, "wait_max_s": max(waits) if waits else None,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    following = commands.add_parser("follow")
    following.add_argument("--duration", type=float, required=True)
    following.add_argument("urls", nargs="+")
    holding = commands.add_parser("hold")
    holding.add_argument("--requests", type=int, default=2000)
    holding.add_argument("--pid", type=int, required=True)
    holding.add_argument("--settle", type=float, default=0.5)
    holding.add_argument("url")
    options = parser.parse_args()

    if options.command == "follow":
        deadline = time.time() + options.duration

        async def everything():
            return await asyncio.gather(*(follow(url, deadline) for url in options.urls))
        json.dump({"sources": asyncio.run(everything())}, sys.stdout)
    else:
        json.dump(asyncio.run(hold(options.url, options.requests, options.pid, options.settle)), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
