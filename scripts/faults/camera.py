#!/usr/bin/env python3
"""One camera for the lossy-link harness: `fieldrelay loadgen` with one stream, restarted whenever its
connection breaks or is refused, until --duration seconds have passed (cameras reconnect on their
own). Each run's --json ticks are followed; when a tick reports the stream broken, the run is
stopped with SIGTERM (loadgen then prints its summary and writes its send log) and a new one starts.

Writes OUT.json (the runs' libsrt sender figures summed, plus reconnects) and OUT.send.csv (every
run's send log, in order). Stops early on SIGTERM/SIGINT, passing the signal on."""
import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from harness import loadgen_records  # noqa: E402

FIELDS = ("packetsSent", "packetsSentUnique", "packetsLost", "packetsRetransmitted", "packetsDropped",
          "connected", "rejected", "broken", "bytesSent", "sendsDeferred")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fieldrelay", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--file", required=True)
    parser.add_argument("--stream-id", required=True)
    parser.add_argument("--latency", type=int, required=True)
    parser.add_argument("--duration", type=float, required=True)
    parser.add_argument("--out", required=True, help="prefix of the output files")
    options = parser.parse_args()

    deadline = time.monotonic() + options.duration
    totals = {key: 0 for key in FIELDS}
    totals.update(runs=0, reconnects=0, breaks={}, rejections={}, exits=[])
    send_rows = []
    state = {"child": None, "stop": False}

    def stop(signum, _frame):
        state["stop"] = True
        if state["child"] and state["child"].poll() is None:
            state["child"].send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    while not state["stop"]:
        remaining = deadline - time.monotonic()
        if remaining < 1:
            break
        log = f"{options.out}.run{totals['runs']}.csv"
        command = [options.fieldrelay, "loadgen", "--json", "--url", options.url, "--file", options.file, "--streams", "1",
                   "--stream-id", options.stream_id, "--latency", str(options.latency), "--duration", f"{remaining:.1f}",
                   "--connect-timeout", "3000", "--send-log", log, "--send-log-streams", "1"]
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        state["child"] = child
        totals["runs"] += 1
        summary, stopped_for = None, None
        for record in loadgen_records(child.stdout):
            if record.get("type") == "summary":
                summary = record
            elif stopped_for is None and (record.get("broken", 0) > 0 or record.get("rejected", 0) > 0):
                stopped_for = "broken" if record.get("broken", 0) else "rejected"
                child.send_signal(signal.SIGTERM)
        status = child.wait()
        totals["exits"].append(status)
        if summary:
            for key in FIELDS:
                totals[key] += summary.get(key, 0)
            for key in ("breaks", "rejections"):
                for reason, count in summary.get(key, {}).items():
                    totals[key][reason] = totals[key].get(reason, 0) + count
        if os.path.exists(log):
            with open(log) as handle:
                rows = handle.read().splitlines()
            send_rows += rows[1:]
            os.remove(log)
        if stopped_for and not state["stop"]:
            totals["reconnects"] += 1
            time.sleep(0.2)
        elif status != 0 and not state["stop"]:
            time.sleep(0.5)  # loadgen itself failed: try again, the time budget bounds it
            totals["reconnects"] += 1
        elif not stopped_for:
            break  # ran to its duration
    with open(f"{options.out}.send.csv", "w") as handle:
        handle.write("stream,path,wall_ns,pts\n" + "".join(row + "\n" for row in send_rows))
    with open(f"{options.out}.json", "w") as handle:
        json.dump(totals, handle)
    print(json.dumps(totals))


if __name__ == "__main__":
    main()
