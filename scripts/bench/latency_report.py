#!/usr/bin/env python3
"""latency.sh's report: relates what the viewers saw to what the load generator sent.

Inputs: the send log (stream,path,wall_ns,pts: one row per video PES start, in send order, which is
decode order), viewer.py's JSON for the classic playlists, llclient.py's JSON for the Low-Latency
ones, llclient.py hold's JSON, and a /metrics snapshot. Writes the Markdown fragment and prints it.

How a Low-Latency part is tied to the frames it holds:
- Keyframes are found in the send log by PTS: the clip has a fixed GOP (--gop seconds), so a video
  PES is a keyframe when its PTS is the first PTS plus a whole number of GOPs (loops keep the grid).
- A segment starts on a keyframe. EXT-X-PROGRAM-DATE-TIME is the gateway's wall clock when that
  keyframe arrived, i.e. when the next video PES began to arrive; so the segment's keyframe is the
  one whose next PES's send time + the SRT latency is nearest to it (keyframes are a GOP apart, so
  this is unambiguous), and PDT - that send time is the measured transport delay D of the segment.
- Part k of a segment holds the next round(duration_k / frame duration) frames in decode order (the
  packager closes a part on a frame count), so its last frame's position in the send log is known.
  The part's end is when its last access unit had been sent completely: the start of the next video
  PES (the gateway cannot complete a frame earlier: the PES has no length, the next one ends it).

availability(part) = seen - send time of the part's end.
answer time after completion = seen - (send time of the part's end + D), for parts revealed by the
blocking request that named them and that was already waiting then.
"""
import collections
import json
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from harness import (bucket_quantile, completed_segments, histogram, parse_metrics, percentile,  # noqa: E402
                     pts_shift, read_send_logs, stream_path)


def row(label, values, unit_note=""):
    if not values:
        return f"| {label} | 0 | - | - | - | - |"
    return (f"| {label} | {len(values)} | {percentile(values, 50):.0f} | {percentile(values, 99):.0f} | "
            f"{min(values):.0f} | {max(values):.0f} |")


def classic(sends, view):
    shift = pts_shift(sends, view)
    samples, unmatched = [], 0
    for source in view["sources"]:
        sent = {pts: wall for wall, pts in sends.get(stream_path(source["source"]), [])}
        for seen, pts in completed_segments(source, shift):
            wall = sent.get(pts)
            if wall is None:
                unmatched += 1
                continue
            samples.append((seen - wall) * 1000)
    return samples, shift, unmatched


def keyframe_positions(pts, gop_ticks):
    """Send-log positions of keyframes. Within one pass of the clip a keyframe's PTS is the first PTS
    plus whole GOPs; a later pass is shifted by the loop length (not always whole GOPs: audio may
    run longer), so the first pass's pattern is repeated with the period of the loop, found as the
    smallest number of frames after which every PTS has moved by the same amount."""
    period = len(pts)
    for candidate in range(1, len(pts)):
        step = pts[candidate] - pts[0]
        if step > 0 and all(pts[i + candidate] - pts[i] == step for i in range(len(pts) - candidate)):
            period = candidate
            break
    first = [i for i in range(period) if (pts[i] - pts[0]) % gop_ticks == 0]
    return sorted(base + i for base in range(0, len(pts), period) for i in first if base + i < len(pts))


def low_latency(sends, ll, gop_ticks, latency_s):
    availability, answers, transport = [], [], []
    notes = collections.Counter()
    for source in ll["sources"]:
        log = sends.get(stream_path(source["source"]), [])
        if len(log) < 3:
            notes["streams without a send log"] += 1
            continue
        walls = [wall for wall, _ in log]
        pts_sorted = sorted(p for _, p in log)
        steps = collections.Counter(b - a for a, b in zip(pts_sorted, pts_sorted[1:]) if b > a)
        frame = steps.most_common(1)[0][0] / 90000
        keyframes = [i for i in keyframe_positions([pts for _, pts in log], gop_ticks) if i + 1 < len(log)]
        segment_start, segment_delay = {}, {}
        for msn_text, pdt in source["pdt"].items():
            best = min(keyframes, key=lambda i: abs(walls[i + 1] + latency_s - pdt), default=None)
            if best is None or abs(walls[best + 1] + latency_s - pdt) > gop_ticks / 90000 / 2:
                notes["segments not matched to a keyframe"] += 1
                continue
            segment_start[int(msn_text)] = best
            segment_delay[int(msn_text)] = pdt - walls[best + 1]
        by_segment = collections.defaultdict(list)
        for part in source["parts"]:
            by_segment[part["msn"]].append(part)
        for msn, parts in by_segment.items():
            parts.sort(key=lambda p: p["part"])
            if msn not in segment_start or parts[0]["part"] != 0:
                notes["parts of segments whose start is unknown"] += len(parts)
                continue
            if any(not part["initial"] for part in parts):
                transport.append(segment_delay[msn] * 1000)
            position = segment_start[msn]
            for part in parts:
                frames = max(1, round(part["duration"] / frame))
                end = position + frames          # first frame after the part: its PES start ends the part
                position = end
                if part["initial"]:
                    continue
                if end >= len(walls):
                    notes["parts past the send log"] += 1
                    continue
                availability.append((part["seen"] - walls[end]) * 1000)
                completed = walls[end] + segment_delay[msn]
                if part.get("requested") and part["asked"] < completed:
                    answers.append((part["seen"] - completed) * 1000)
        # Sanity: consecutive segments' keyframes must be as many frames apart as the parts say.
        for msn, parts in by_segment.items():
            if msn in segment_start and msn + 1 in segment_start and parts[0]["part"] == 0:
                frames = sum(max(1, round(p["duration"] / frame)) for p in parts)
                if segment_start[msn + 1] - segment_start[msn] != frames:
                    notes["segments whose parts do not add up to the keyframe distance"] += 1
    return availability, answers, transport, notes


def main():
    (send_path, viewer_path, ll_path, hold_path, metrics_path, out, machine, streams, kbps, gop, latency,
     interval, smoke, delivery) = sys.argv[1:]
    latency_ms = float(latency)
    # With TSBPD every packet reaches the remuxer exactly the SRT latency after it was sent; on
    # arrival, after the network delay plus any wait for a retransmission (measured: transport row).
    fixed_ms = latency_ms if delivery == "tsbpd" else 0.0
    sends = read_send_logs([send_path])              # path -> [(wall seconds, pts)] in send order
    view = json.load(open(viewer_path))
    ll = json.load(open(ll_path))
    held = json.load(open(hold_path))
    metrics_text = open(metrics_path).read()

    classic_samples, shift, unmatched = classic(sends, view)
    availability, answers, transport, notes = low_latency(sends, ll, round(float(gop) * 90000), fixed_ms / 1000)
    buckets, count = histogram(parse_metrics(metrics_text), "fieldrelay_hls_part_latency_seconds")
    server_p50 = bucket_quantile(buckets, count, 0.5) * 1000
    server_p99 = bucket_quantile(buckets, count, 0.99) * 1000
    part_target = next((s["part_target"] for s in ll["sources"] if s.get("part_target")), None)
    blocking = [r for s in ll["sources"] for r in s["requests"] if r["msn"] is not None]
    statuses = collections.Counter(str(r["status"]) for r in blocking)
    goal = percentile(availability, 99) - fixed_ms if availability else float("nan")

    lines = [
        f"Latency: {streams} stream(s) x {kbps} kbps, GOP {gop} s, SRT latency {latency} ms, publisher delivery {delivery}; classic playlist polled every "
        f"{float(interval) * 1000:.0f} ms, Low-Latency followed by blocking reload (part target "
        f"{part_target if part_target else '?'} s)" + (" — SMOKE RUN, figures meaningless" if smoke == "1" else ""),
        f"Machine: {machine}",
        "",
        "| HLS | measured | p50 ms | p99 ms | min ms | max ms |",
        "|---|---|---|---|---|---|",
        row("classic segment (MPEG-TS, ts.m3u8), from the segment's end", classic_samples),
        row("Low-Latency part (fMP4, ll.m3u8), from the part's end", availability),
    ] + ([
        row(f"Low-Latency part, minus the SRT latency ({latency} ms, TSBPD)", [a - latency_ms for a in availability]),
    ] if delivery == "tsbpd" else []) + [
        row("transport: keyframe arrival (PROGRAM-DATE-TIME) - its send", transport),
        row("blocking reload answered after its part completed (estimate)", answers),
        "",
        f"Gateway's own figure, `fieldrelay_hls_part_latency_seconds` ({count:.0f} parts, bucket-interpolated): "
        f"p50 {server_p50:.2f} ms, p99 {server_p99:.2f} ms.",
        (f"Goal (p99 part availability within 100 ms of the part's end, SRT latency excluded): p99 - SRT latency = "
         if delivery == "tsbpd" else
         "Goal (p99 part availability within 100 ms of the part's end; on-arrival delivery adds no fixed SRT delay): p99 = ")
        + f"{goal:.0f} ms — {'met' if goal <= 100 else 'NOT met'}.",
        f"Blocking reloads: {len(blocking)} ({', '.join(f'{k}: {v}' for k, v in sorted(statuses.items()))}); "
        f"client errors {sum(s['errors'] for s in ll['sources'])}.",
    ]
    if "error" in held:
        lines.append(f"Waiting requests: not measured ({held['error']}).")
    else:
        answered = ", ".join(f"{v} x {k}" for k, v in sorted(held["statuses"].items())) or "none"
        failed = ", ".join(f"{v} {k}" for k, v in held["failures"].items()) or "none"
        per_thousand = held["kib_per_1000"]
        lines.append(
            f"Waiting requests: {held['opened']} of {held['requests']} blocking reloads held at once "
            f"(`_HLS_msn={held['msn']}`, opened in {held['open_seconds']:.2f} s); gateway VmRSS {held['baseline_kib']:.0f} KiB "
            f"before, {held['held_kib'] if held['held_kib'] is not None else '?'} KiB while waiting "
            f"({held['rss_samples_while_waiting']} samples): "
            + (f"**{per_thousand:.0f} KiB per 1,000 waiting requests**" if per_thousand is not None else "no sample taken")
            + f"; answered {answered} after {held['wait_min_s'] or 0:.1f}-{held['wait_max_s'] or 0:.1f} s; failed or hung: {failed}.")
    lines.append("")
    lines.append(
        f"Availability = first seen in a playlist response - send time of the end of the last access unit "
        f"(the next video PES start, `loadgen --send-log`); classic muxer shift {shift} ticks, {unmatched} unmatched; "
        "Low-Latency parts tied to frames by keyframe PTS and PROGRAM-DATE-TIME"
        + (f"; {', '.join(f'{v} {k}' for k, v in notes.items())}" if notes else "") + ".")
    text = "\n".join(lines)
    print(text)
    open(out, "w").write(text + "\n")
    problems = []
    if not classic_samples:
        problems.append("no classic segment measured")
    if not availability:
        problems.append("no Low-Latency part measured")
    if "error" in held or held.get("failures") or held.get("opened") != held.get("requests"):
        problems.append("waiting requests: not all opened and answered")
    if problems:
        sys.exit("latency report: " + "; ".join(problems))


if __name__ == "__main__":
    main()
