#!/usr/bin/env python3
"""lossy.sh's analysis.

  lossy_report.py scenario DIR    judge one scenario: reads DIR/scenario.json (what lossy.sh set up),
                                  DIR/viewer.json, DIR/segments/*.ts, DIR/cam-*.json and *.send.csv,
                                  DIR/gateway.log, DIR/relay.json, DIR/nft.json; writes DIR/result.json,
                                  prints one line; exit status 1 when the scenario fails its bar.
  lossy_report.py table OUT.md HEADER DIR...   the Markdown table of the scenarios' results.

End-to-end delay (per segment): the time the segment first appeared in the classic playlist (the
viewer polls every 0.1 s) minus the send time of the first video PES of the next segment, the frame
that completes it (from loadgen's send log; cameras and viewer share the machine's clock). It
includes the link delay, the SRT latency, the packaging and up to one poll interval.
"""
import concurrent.futures
import glob
import json
import os
import re
import subprocess
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from harness import completed_segments, percentile, pts_shift, read_send_logs, stream_path  # noqa: E402


def decode_errors(path):
    """Lines ffmpeg prints at -v error while decoding the segment on its own (all streams)."""
    try:
        run = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-threads", "1", "-i", path, "-f", "null", "-"],
                             capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return 1, ["decode timed out"]
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    if run.returncode != 0 and not lines:
        lines = [f"ffmpeg exit status {run.returncode}"]
    return len(lines), lines[:3]


def nft_counters(path):
    """Counter values of the rules lossy.sh tagged with a comment."""
    counters = {}
    try:
        ruleset = json.load(open(path))["nftables"]
    except (OSError, ValueError, KeyError):
        return counters
    for item in ruleset:
        rule = item.get("rule")
        if not rule or "comment" not in rule:
            continue
        for expression in rule.get("expr", []):
            if "counter" in expression:
                counters[rule["comment"]] = expression["counter"]["packets"]
    return counters


def gateway_figures(log_text):
    """Per path: libsrt receiver figures summed over the path's connections (logged at disconnect)."""
    paths = {}
    for line in log_text.splitlines():
        if "publisher disconnected" not in line:
            continue
        path = re.search(r"path=(\S+)", line)
        if not path:
            continue
        # A figure the gateway did not log (an older build) stays None: not measured, not zero.
        entry = paths.setdefault(path.group(1), {"connections": 0, "received": None, "lost": None, "retransmitted": None,
                                                 "dropped": None, "continuity_errors": None, "rtt_ms": None})
        entry["connections"] += 1
        for key, name in (("received", "srtReceived"), ("lost", "srtLost"), ("retransmitted", "srtRetransmitted"),
                          ("dropped", "srtDropped"), ("continuity_errors", "continuityErrors")):
            match = re.search(rf"\b{name}=(\d+)", line)
            if match:
                entry[key] = (entry[key] or 0) + int(match.group(1))
        rtt = re.search(r"\brttMs=(\d+)", line)
        if rtt:
            entry["rtt_ms"] = int(rtt.group(1))
    levels = {}
    for line in log_text.splitlines():
        match = re.match(r"^\S+ (trace|debug|info|notice|warning|error|critical) ", line)
        if match:
            level = match.group(1)
            # libavformat's complaints about media SRT could not recover (a damaged AAC unit, a
            # repeated timestamp after a drop) are counted apart: the receiver's drop count and
            # the decode errors judge that loss; a FieldRelay error line still fails the scenario.
            if level == "error" and "fieldrelay.remux" in line and "source=ffmpeg" in line:
                level = "libav-error"
            levels[level] = levels.get(level, 0) + 1
    crashed = "Program crashed" in log_text or "Fatal error" in log_text
    return paths, levels, crashed


def delays(view, send_logs, exclude=None):
    """Availability delay samples in ms, per the method in the module docstring. A camera that
    reconnected restarts its clip, so one PTS may have been sent more than once: the latest send
    at or before the segment was seen is the one. Segments first seen inside `exclude` (the
    blackout and its aftermath: wall-clock [start, end]) are left out."""
    try:
        shift = pts_shift(send_logs, view)
    except Exception:  # no samples: shift 0
        shift = 0
    samples = []
    for source in view["sources"]:
        path = stream_path(source["source"])
        if path.startswith("lab/control"):
            continue
        by_pts = {}
        for wall, pts in send_logs.get(path, []):
            by_pts.setdefault(pts, []).append(wall)
        for seen, pts in completed_segments(source, shift):
            if exclude and exclude[0] <= seen <= exclude[1]:
                continue
            walls = [w for w in by_pts.get(pts, []) if w <= seen]
            if walls:
                samples.append((seen - max(walls)) * 1000)
    return samples


def scenario(directory):
    setup = json.load(open(os.path.join(directory, "scenario.json")))
    view = json.load(open(os.path.join(directory, "viewer.json")))
    log_text = open(os.path.join(directory, "gateway.log"), errors="replace").read()
    relay = {}
    if os.path.exists(os.path.join(directory, "relay.json")):
        try:
            relay = json.load(open(os.path.join(directory, "relay.json")))
        except ValueError:
            relay = {}
    counters = nft_counters(os.path.join(directory, "nft.json"))
    paths, levels, crashed = gateway_figures(log_text)

    cameras, send_files = {}, []
    for summary in sorted(glob.glob(os.path.join(directory, "cam-*.json"))):
        name = os.path.basename(summary)[:-5]
        cameras[name] = json.load(open(summary))
        send_file = summary[:-5] + ".send.csv"
        if os.path.exists(send_file):
            send_files.append(send_file)
    send_logs = read_send_logs(send_files)

    # Decode every saved segment on its own.
    files = sorted(glob.glob(os.path.join(directory, "segments", "*.ts")))
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        decoded = dict(zip(files, pool.map(decode_errors, files)))
    blackout = setup.get("blackout")  # [start, end] wall seconds, or None
    # After the blackout: the cut segment, the reconnect (up to the peer idle timeout) and the first
    # segment of the new connection.
    grace = 2 * setup["segment_seconds"] + setup["latency_ms"] / 1000 + 2
    per_source = []
    decode_total, decode_outside_blackout, samples_of_errors = 0, 0, []
    for index, source in enumerate(view["sources"]):
        path = stream_path(source["source"])
        seen = {entry["msn"]: entry["seen"] for entry in source.get("segment_log", [])}
        errors = 0
        for file, (count, lines) in decoded.items():
            base = os.path.basename(file)[:-3]
            source_index, msn = (int(part) for part in base.split("-"))
            if source_index != index or count == 0:
                continue
            errors += count
            decode_total += count
            samples_of_errors.append(f"{path} #{msn}: {lines[0] if lines else ''}")
            # A segment that was still being cut when the blackout began, or the first ones after it,
            # may hold the frames the blackout broke.
            when = seen.get(msn)
            if path.startswith("lab/control") or not blackout or when is None or not (blackout[0] <= when <= blackout[1] + grace):
                decode_outside_blackout += count
        after_blackout = None
        if blackout:
            after_blackout = sum(1 for when in seen.values() if when > blackout[1])
        per_source.append({"path": path, "control": path.startswith("lab/control"), "segments": source["segments"], "missing": source["missing"],
                           "discontinuities": source["discontinuities"], "fetch_errors": source["fetch_errors"],
                           "ended": source["ended"], "decode_errors": errors, "segments_after_blackout": after_blackout,
                           "gateway": paths.get(path, {})})

    lossy = [s for s in per_source if not s["control"]]
    sender = {key: sum(camera.get(key, 0) for camera in cameras.values())
              for key in ("packetsSent", "packetsLost", "packetsRetransmitted", "packetsDropped", "reconnects")}
    receiver = {}
    for key in ("received", "lost", "retransmitted", "dropped", "continuity_errors"):
        values = [entry[key] for path, entry in paths.items() if entry[key] is not None and not path.startswith("lab/control")]
        receiver[key] = sum(values) if values else None
    delay_samples = delays(view, send_logs, (blackout[0], blackout[1] + grace) if blackout else None)
    # The blackout's rules run before the counting ones, so what they cut is added to both.
    up_total = counters.get("up-total", 0) + counters.get("cut-up", 0)
    up_drop = counters.get("up-drop", 0) + counters.get("cut-up", 0)
    down_total = counters.get("down-total", 0) + counters.get("cut-down", 0)
    down_drop = counters.get("down-drop", 0) + counters.get("cut-down", 0)

    # The bar.
    expected = setup["seconds"] / setup["segment_seconds"]
    failures = []
    if crashed or not setup.get("gateway_alive", False):
        failures.append("the gateway was not running at the end")
    if levels.get("libav-error", 0) and not (receiver.get("dropped") or blackout):
        failures.append(f"libavformat logged {levels['libav-error']} error lines with no packet dropped")
    if levels.get("error", 0) or levels.get("critical", 0):
        failures.append(f"gateway logged {levels.get('error', 0)} error and {levels.get('critical', 0)} critical lines")
    late = relay.get("late_over_50ms", 0)
    total_datagrams = relay.get("up_datagrams", 0) + relay.get("down_datagrams", 0)
    # A little lateness is extra jitter; a starved relay (over 1 % late, or late by half the SRT
    # latency) makes the scenario say nothing about the gateway.
    if total_datagrams and (late > total_datagrams / 100 or relay.get("max_late_ms", 0) > setup["latency_ms"] / 2):
        failures.append(f"harness overloaded: the impairment relay sent {late} datagrams more than 50 ms late "
                        f"(worst {relay.get('max_late_ms')} ms): the figures are not the link's")
    if relay.get("send_errors", 0):
        failures.append(f"the impairment relay failed {relay['send_errors']} sends (harness, not gateway)")
    for source in per_source:
        name = source["path"]
        if source["control"]:
            # The room on a clean link beside the lossy ones: held to the strict bar.
            for key, what in (("discontinuities", "discontinuities"), ("decode_errors", "decode errors")):
                if source[key]:
                    failures.append(f"{name} (clean link): {source[key]} {what}")
        if source["segments"] < expected * 0.5:
            failures.append(f"{name}: only {source['segments']} segments in {setup['seconds']} s")
        if source["missing"]:
            failures.append(f"{name}: {source['missing']} segments missing from the playlist")
        if source["fetch_errors"]:
            failures.append(f"{name}: {source['fetch_errors']} segment fetches failed")
        if setup["kind"] == "blackout":
            if source["discontinuities"] > 1:
                failures.append(f"{name}: {source['discontinuities']} discontinuities (the blackout explains one)")
            if (source["segments_after_blackout"] or 0) < 2:
                failures.append(f"{name}: the playlist did not continue after the blackout")
        elif setup["strict"]:
            if source["discontinuities"]:
                failures.append(f"{name}: {source['discontinuities']} discontinuities")
            if source["decode_errors"]:
                failures.append(f"{name}: {source['decode_errors']} decode errors")
    if setup["kind"] == "blackout" and decode_outside_blackout:
        failures.append(f"{decode_outside_blackout} decode errors in segments away from the blackout")
    if setup["strict"] and sender["reconnects"]:
        failures.append(f"cameras reconnected {sender['reconnects']} times")
    if up_total == 0:
        failures.append("no packets went through the lossy link (harness)")
    outside = sum(v for k, v in counters.items() if k.startswith("guard-"))
    if outside:
        failures.append(f"{outside} packets were addressed outside the namespaces (dropped by the guard)")

    result = {
        "name": setup["name"], "kind": setup["kind"], "loss_percent": setup["loss_percent"], "delay_ms": setup["delay_ms"],
        "jitter_ms": setup["jitter_ms"], "reorder_percent": setup["reorder_percent"], "latency_ms": setup["latency_ms"],
        "rtt_ms": setup["rtt_ms"], "cameras": setup["cameras"], "seconds": setup["seconds"],
        # Totals are over the lossy rooms; a clean control room is judged on its own (per_source).
        "segments": sum(s["segments"] for s in lossy), "missing": sum(s["missing"] for s in lossy),
        "discontinuities": sum(s["discontinuities"] for s in lossy),
        "decode_errors": sum(s["decode_errors"] for s in lossy),
        "control": [{k: s[k] for k in ("path", "segments", "missing", "discontinuities", "decode_errors")}
                    for s in per_source if s["control"]],
        "decoded_segments": sum(s["segments"] for s in lossy), "decode_error_samples": samples_of_errors[:5],
        "sender": sender, "receiver": receiver, "per_source": per_source,
        "link": {"up_packets": up_total, "up_dropped": up_drop, "down_packets": down_total, "down_dropped": down_drop,
                 "up_loss_percent": 100 * up_drop / up_total if up_total else 0,
                 "down_loss_percent": 100 * down_drop / down_total if down_total else 0,
                 "outside": outside},
        "relay": relay, "gateway_log_levels": levels,
        "delay_ms": setup["delay_ms"], "delay_samples": len(delay_samples),
        "delay_p50_ms": percentile(delay_samples, 50), "delay_p99_ms": percentile(delay_samples, 99),
        "failures": failures, "passed": not failures,
    }
    with open(os.path.join(directory, "result.json"), "w") as handle:
        json.dump(result, handle, indent=1)
    print(line_for(result))
    for failure in failures:
        print(f"  FAIL {failure}")
    return 0 if not failures else 1


def fmt(value, digits=0):
    return "-" if value is None else f"{value:.{digits}f}"


def show(value):
    return "-" if value is None else str(value)


def line_for(r):
    return (f"{r['name']}: {'PASS' if r['passed'] else 'FAIL'}  loss {r['loss_percent']} % (measured up {r['link']['up_loss_percent']:.1f} % / "
            f"down {r['link']['down_loss_percent']:.1f} %), delay {r['delay_ms']} ms, SRT latency {r['latency_ms']} ms; "
            f"segments {r['segments']} missing {r['missing']} discontinuities {r['discontinuities']} decode errors {r['decode_errors']}; "
            f"sender lost {r['sender']['packetsLost']} retransmitted {r['sender']['packetsRetransmitted']} dropped {r['sender']['packetsDropped']}; "
            f"receiver lost {show(r['receiver']['lost'])} dropped {show(r['receiver']['dropped'])}; reconnects {r['sender']['reconnects']}; "
            f"delay p50 {fmt(r['delay_p50_ms'])} ms p99 {fmt(r['delay_p99_ms'])} ms; "
            f"relay late >50 ms: {r['relay'].get('late_over_50ms', '-')} (worst {r['relay'].get('max_late_ms', '-')} ms)")


def table(out, header, directories):
    results = [json.load(open(os.path.join(d, "result.json"))) for d in directories if os.path.exists(os.path.join(d, "result.json"))]
    lines = [header, "",
             "| scenario | loss each way (set / measured up, down) | one-way delay, jitter, reorder | SRT latency | segments seen / missing | discontinuities | decode errors | sender lost / retransmitted / dropped | receiver lost / dropped | reconnects | delay p50 / p99 | result |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        link = r["link"]
        impair = f"{r['delay_ms']} ms, ±{r['jitter_ms']:g} ms" + (f", {r['reorder_percent']:g} % reordered" if r["reorder_percent"] else "")
        if r["kind"] == "blackout":
            impair += ", 5 s blackout"
        lines.append(
            f"| {r['name']} | {r['loss_percent']} % ({link['up_loss_percent']:.1f} %, {link['down_loss_percent']:.1f} %) | {impair} | "
            f"{r['latency_ms']} ms (RTT {r['rtt_ms']}) | {r['segments']} / {r['missing']} | {r['discontinuities']} | "
            f"{r['decode_errors']} of {r['decoded_segments']} segs | {r['sender']['packetsLost']} / {r['sender']['packetsRetransmitted']} / {r['sender']['packetsDropped']} | "
            f"{show(r['receiver']['lost'])} / {show(r['receiver']['dropped'])} | {r['sender']['reconnects']} | "
            f"{fmt(r['delay_p50_ms'])} / {fmt(r['delay_p99_ms'])} ms | {'pass' if r['passed'] else 'FAIL: ' + '; '.join(r['failures'])}"
            + "".join(f"; clean room beside: {c['segments']} segments, {c['missing']} missing, {c['discontinuities']} discontinuities, "
                      f"{c['decode_errors']} decode errors" for c in r.get("control", [])) + " |")
    per_room = ["", "Per room (receiver figures from the gateway's log at disconnect, summed over reconnects):", "",
                "| scenario | room | segments | missing | discontinuities | decode errors | SRT received | lost | retransmitted | dropped | TS continuity errors |",
                "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        for s in r["per_source"]:
            g = s["gateway"]
            per_room.append(f"| {r['name']} | {s['path']} | {s['segments']} | {s['missing']} | {s['discontinuities']} | {s['decode_errors']} | "
                            f"{show(g.get('received'))} | {show(g.get('lost'))} | {show(g.get('retransmitted'))} | {show(g.get('dropped'))} | "
                            f"{show(g.get('continuity_errors'))} |")
    text = "\n".join(lines + per_room) + "\n"
    with open(out, "w") as handle:
        handle.write(text)
    print(text)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "scenario":
        sys.exit(scenario(sys.argv[2]))
    if len(sys.argv) >= 4 and sys.argv[1] == "table":
        table(sys.argv[2], sys.argv[3], sys.argv[4:])
        return
    sys.exit(__doc__)


if __name__ == "__main__":
    main()
