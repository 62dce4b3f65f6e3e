#!/usr/bin/env python3
"""Crash consistency: kill -9 the gateway at random moments while the registry, joint-reporting
sessions and the record are being written and a body camera is recorded, restart it on the same data
directory, and check that nothing it acknowledged was lost.

Run by scripts/faults/crash.sh (which builds the binary and makes the clip); standard library only.

Each round:
  1. the gateway (`fieldrelay serve`, loopback only) runs on one persistent data directory;
  2. workers write through the real interfaces at once: device create/rotate/revoke over the REST
     API and with the CLI, organisation tokens over the API, whole joint-reporting stories over the
     API (incident, session, feeds, invitation, join, escalation, handover, reports, close), CSV
     imports of hundreds of rows with `fieldrelay rooms import` (new townships, and re-imports that
     rename every room of an earlier batch), and `fieldrelay loadgen` publishing to village rooms so
     live status is flushed; every answer the gateway acknowledged (2xx / CLI exit 0) goes into the
     journal with what must be visible afterwards;
     meanwhile the demo registry's body camera `cam/bc-520602001` publishes the clip with ffmpeg
     (`-re -stream_loop -1 ... -f mpegts` to the SRT URL its provisioning gives) from the moment the
     gateway answers, and is recorded (`cam/*` always, the rule defaults) into
     <data>/recordings with the index <data>/recordings/index.sqlite;
  3. SIGKILL at a random moment (some rounds: while an import runs; in half of those the importing
     CLI is killed as well, as a power cut would; in some others (--write-kill-share) the moment an
     open recording file grows past its index, i.e. while the writer syncs a fragment it has not
     indexed yet). Right before it, the fragments the recording index holds (file, sequence, offset,
     length, SHA-256), read with Python's sqlite3 in read-only mode (`file:...?mode=ro`), are
     journalled as acknowledged: the writer indexes a fragment only after fdatasync;
  4. before restarting: `PRAGMA integrity_check` (sqlite3 -readonly) of the three databases,
     `fieldrelay audit verify` and `fieldrelay recordings verify` on the crashed directory; the side
     files (audit.key, admin.token, audit.checkpoint) are whole; the recording index as the kill left
     it is read too (every row in it is acknowledged as well), with the files on disk, which were
     open, and how far each runs past its index;
  5. restart on the same directory (round 2, --recovery-kill-share of the others and half of those
     that left fragments written but not indexed first kill that start again at once, while
     recording recovery may run: at a random moment around when it ends, or the moment it first
     writes the index; then restart once more): it must
     answer within a bound; the body camera publishes again; then every acknowledged action is read
     back (API and `fieldrelay rooms export`), every import batch has all of its rows or none (all
     if acknowledged), and `fieldrelay audit verify` passes again with the server running.
     Recordings, after the recovery that runs at start before anything else:
       - every acknowledged fragment is still indexed with the same offset, length and hash, and its
         bytes still hash to it (read back for every fragment new since the last round, every one
         of a file open at the kill, and a sample of the others): nothing acknowledged lost;
       - `fieldrelay recordings verify --data DIR` exits 0 with the server running (every sealed
         file verifies against the index and the ledger; recovered files are sealed);
       - every file on disk at the kill is in the index and sealed (or, if it was empty, killed
         between its creation and its init section, removed), and the only unsealed files are
         ones created after the restart (the restarted server is writing them);
       - recovery removed no index row and found no file missing or altered (ledger `file.recovered`
         entries), files it sealed are marked recovered and so are the fragments it indexed, each
         file ends where its index ends, and `/api/v1/recordings/status` says recording (a failed
         recovery leaves recording off).
     Counted: kills while recording, files recovered, fragments recovered (written but not indexed
     at the kill), bytes cut (torn last writes), kills during recovery.

A separate phase kills the very first start (seeding an empty data directory) and checks that the
restart still gives a seeded, usable gateway.

--tamper (negative control) deletes acknowledged rows after round 1 and cuts the last acknowledged
fragment of a recording file: the checks must then report violations.

Exit status 0 when no violation was found, 1 otherwise, 2 when the harness itself failed.
"""

import argparse
import csv
import hashlib
import io
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import http.client
import urllib.parse
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from harness import free_port  # noqa: E402

# Every process this harness starts, so that an exit for any reason (SIGTERM from a timeout
# included) leaves none behind.
CHILDREN = []


def spawn(argv, **kwargs):
    proc = subprocess.Popen(argv, **kwargs)
    CHILDREN.append(proc)
    return proc


def stop_children():
    for proc in CHILDREN:
        if proc.poll() is None:
            try:
                proc.kill()
                proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                pass


COUNTIES = ["520602", "520603", "520621", "520622", "520623", "520624", "520625", "520626", "520627", "520628"]
CITY = "520600"


def log(message):
    print(f"[crash {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class InFlight(Exception):
    """The request got no complete answer (the gateway died under it): outcome unknown."""


class Gateway:
    def __init__(self, binary, data, work):
        self.binary = binary
        self.data = data
        self.http_port = free_port("tcp")
        self.srt_port = free_port("udp")
        self.proc = None
        self.log_path = os.path.join(work, "serve.log")
        self.starts = 0

    def start(self):
        self.starts += 1
        logf = open(self.log_path, "ab")
        logf.write(f"\n===== start {self.starts} =====\n".encode())
        logf.flush()
        self.log_offset = logf.tell()
        self.started_at = time.monotonic()
        self.recovery_at = None
        # A small minFreeMiB: the harness checks recording under kill -9, not the disk-low stop,
        # which a CI disk with less than the default 2 GiB free would otherwise trigger.
        config = os.path.join(os.path.dirname(self.data), "crash-serve.yml")
        with open(config, "w") as f:
            f.write("recording:\n  minFreeMiB: 64\n")
        self.proc = spawn(
            [self.binary, "serve", "--data", self.data, "--host", "127.0.0.1", "--config", config,
             "--http-port", str(self.http_port), "--srt-port", str(self.srt_port)],
            stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, start_new_session=True)
        logf.close()

    def recovery_logged(self):
        """True once this start's log says what recording recovery did (it says nothing when
        there was nothing to recover); notes when that was first seen."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self.log_offset)
                seen = b"recording recovery:" in f.read()
        except OSError:
            return False
        if seen and self.recovery_at is None:
            self.recovery_at = time.monotonic() - self.started_at
        return seen

    def wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.recovery_at is None:
                self.recovery_logged()
            if self.proc.poll() is not None:
                return False
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    return True
                conn.close()
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def answers(self):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=1)
            conn.request("GET", "/healthz")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def kill9(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        if self.proc:
            self.proc.wait(timeout=30)

    def log_tail(self, lines=30):
        try:
            with open(self.log_path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
            return "\n".join(text.splitlines()[-lines:])
        except OSError:
            return ""


class API:
    def __init__(self, port):
        self.port = port

    def call(self, method, path, token=None, body=None, timeout=15):
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
            conn.close()
        except (OSError, http.client.HTTPException) as error:
            raise InFlight(str(error))
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return resp.status, parsed


class Model:
    """Everything the gateway acknowledged, and what must therefore be visible after a restart."""

    def __init__(self):
        self.lock = threading.Lock()
        self.devices = {}     # id -> {name, org, state, passphrase, pending, acked}
        self.tokens = []      # {org, token}
        self.incidents = {}   # id -> {reports, state, pending}
        self.sessions = {}    # id -> {view, pending, kinds: {kind: count}}
        self.batches = {}     # batch -> {townships, villages, version, acked_version, possible, ...}
        self.acked = {}       # action kind -> count
        self.in_flight = {}   # action kind -> count
        self.refused = {}     # "kind status" -> count
        self.round_acked = 0
        self.journal = None

    def ack(self, kind, what):
        with self.lock:
            self.acked[kind] = self.acked.get(kind, 0) + 1
            self.round_acked += 1
            if self.journal:
                self.journal.write(json.dumps({"t": round(time.time(), 3), "ack": kind, **what}, ensure_ascii=False) + "\n")

    def unknown(self, kind, what):
        with self.lock:
            self.in_flight[kind] = self.in_flight.get(kind, 0) + 1
            if self.journal:
                self.journal.write(json.dumps({"t": round(time.time(), 3), "in_flight": kind, **what}, ensure_ascii=False) + "\n")

    def refusal(self, kind, status, detail):
        with self.lock:
            key = f"{kind} {status}"
            self.refused[key] = self.refused.get(key, 0) + 1
            if self.journal:
                self.journal.write(json.dumps({"t": round(time.time(), 3), "refused": kind, "status": status,
                                               "detail": str(detail)[:200]}, ensure_ascii=False) + "\n")


def session_signature(view):
    if view is None:
        return None
    return {
        "state": view.get("state"),
        "host": view.get("host"),
        "grade": view.get("grade"),
        "participants": sorted([p.get("org"), p.get("role"), p.get("state")] for p in view.get("participants", [])),
        "feeds": sorted(f.get("path") for f in view.get("feeds", [])),
        "focus": view.get("focus"),
    }


# The body camera of the first story's township, in the demo registry: it publishes all through the
# run, and `cam/*` is recorded always (the rule defaults). Story 0 attaches it to its sessions too.
BODY_CAM = "bc-520602001"


class Recordings:
    """Recording under kill -9: a body camera publishes with ffmpeg while the workload runs; before
    each kill the fragments the index holds so far are noted as acknowledged (the writer indexes a
    fragment only after fdatasync), and after the restart, whose recovery runs before anything else,
    every one of them must still be indexed with the same offset, length and hash and its bytes must
    still hash to it, `fieldrelay recordings verify` must pass, and every file that was on disk at
    the kill must be in the index and sealed (only files the restarted server made may be open)."""

    def __init__(self, harness):
        self.h = harness
        self.directory = os.path.join(harness.data, "recordings")
        self.index_path = os.path.join(self.directory, "index.sqlite")
        self.url = None
        self.proc = None
        self.log_path = os.path.join(harness.work, "bodycam.log")
        # (file name, sequence) -> (offset, length, hash): every fragment seen indexed before a kill
        # (snapshot) or at it (read after the kill, before the restart).
        self.acked = {}
        self.unhashed = set()       # acknowledged keys whose bytes were not read back yet
        self.at_kill = None         # what the crashed directory held (see after_kill)
        self.ledger_seen = 0
        self.last_status = None     # /api/v1/recordings/status after the last restart
        self.figures = {"kills_recording": 0, "kills_bodycam_recording": 0, "kills_bytes_past_index": 0,
                        "acked_snapshot": 0, "acked_at_kill": 0, "fragments_read_back": 0, "bytes_hashed": 0,
                        "files_recovered": 0, "files_rebuilt": 0, "fragments_recovered": 0, "bytes_cut": 0,
                        "index_rows_removed": 0, "recording_verifies": 0, "recovery_kills": 0,
                        "recovery_kills_nothing": 0, "recovery_kills_before": 0, "recovery_kills_middle": 0, "recovery_kills_after": 0,
                        "empty_files_recovered": 0, "write_kills": 0, "write_kills_hit": 0,
                        "empty_files_removed": 0, "publisher_starts": 0, "files": 0, "fragments": 0}

    # ---------------------------------------------------------------- the index, read-only

    def read_index(self):
        """Files and fragments in one read transaction of the index, opened read-only
        (`mode=ro`: this never writes, and works beside the server and on a crashed directory)."""
        if not os.path.exists(self.index_path):
            return {}, {}
        uri = "file:" + urllib.parse.quote(self.index_path) + "?mode=ro"
        db = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
        try:
            db.execute("BEGIN")
            files = {}
            for fid, name, path, created, sealed, count, recovered, init_length in db.execute(
                    "SELECT id, name, path, created_ms, sealed_ms, fragment_count, recovered, init_length FROM recording_file"):
                files[name] = {"id": fid, "path": path, "created_ms": created, "sealed_ms": sealed,
                               "fragment_count": count, "recovered": recovered, "init_length": init_length}
            fragments = {}
            for name, seq, offset, length, digest, recovered in db.execute(
                    "SELECT f.name, r.sequence, r.offset, r.length, r.hash, r.recovered FROM recording_fragment r "
                    "JOIN recording_file f ON f.id = r.file_id"):
                fragments[(name, seq)] = (offset, length, bytes(digest), recovered)
            db.execute("COMMIT")
            return files, fragments
        finally:
            db.close()

    def open_file_ends(self):
        """Each unsealed file with where its index ends (its init section when it has no fragment)."""
        if not os.path.exists(self.index_path):
            return {}
        uri = "file:" + urllib.parse.quote(self.index_path) + "?mode=ro"
        db = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
        try:
            return {name: end or init_length for name, init_length, end in db.execute(
                "SELECT f.name, f.init_length, MAX(r.offset + r.length) FROM recording_file f "
                "LEFT JOIN recording_fragment r ON r.file_id = f.id WHERE f.sealed_ms IS NULL GROUP BY f.id")}
        finally:
            db.close()

    def read_ledger(self, after):
        uri = "file:" + urllib.parse.quote(self.index_path) + "?mode=ro"
        db = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
        try:
            return [(seq, kind, json.loads(detail)) for seq, kind, detail in db.execute(
                "SELECT sequence, kind, detail FROM recording_ledger WHERE sequence > ? ORDER BY sequence", (after,))]
        finally:
            db.close()

    def files_on_disk(self):
        names = {}
        for root, _, entries in os.walk(self.directory):
            for entry in entries:
                if entry.endswith(".mp4"):
                    full = os.path.join(root, entry)
                    names[os.path.relpath(full, self.directory)] = os.path.getsize(full)
        return names

    # ---------------------------------------------------------------- the body camera

    def start_publisher(self):
        """ffmpeg publishing the clip in a loop to the body camera's provisioned SRT URL."""
        if self.url is None:
            status, prov = self.h.api.call("GET", f"/api/v1/devices/{BODY_CAM}/provisioning", self.h.admin)
            if status != 200:
                raise RuntimeError(f"provisioning of {BODY_CAM} answered {status}: {prov}")
            self.url = prov["srtUrl"]
        logf = open(self.log_path, "ab")
        logf.write(f"\n===== round {self.h.round} =====\n".encode())
        logf.flush()
        self.proc = spawn(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1",
                           "-i", self.h.args.clip, "-c", "copy", "-f", "mpegts", self.url],
                          stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, start_new_session=True)
        logf.close()
        self.figures["publisher_starts"] += 1

    def stop_publisher(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
        if self.proc:
            self.proc.wait(timeout=30)
        self.proc = None

    # ---------------------------------------------------------------- around a kill

    def acknowledge(self, fragments, when):
        """Notes the fragments indexed (so acknowledged) that were not noted yet: the writer's, and
        those an earlier recovery indexed (kept from then on as well); returns how many of the
        writer's."""
        new = 0
        for key, (offset, length, digest, recovered) in sorted(fragments.items()):
            if key in self.acked:
                continue
            self.acked[key] = (offset, length, digest)
            self.unhashed.add(key)
            kind = "recording fragment (indexed by recovery)" if recovered else f"recording fragment (indexed {when})"
            self.h.model.ack(kind, {"file": key[0], "sequence": key[1], "offset": offset, "length": length,
                                    "hash": digest.hex()})
            if not recovered:
                new += 1
        return new

    def snapshot(self):
        """Right before the kill: what the index acknowledged so far."""
        _, fragments = self.read_index()
        self.figures["acked_snapshot"] += self.acknowledge(fragments, "before the kill")

    def wait_for_write(self, timeout):
        """Returns as soon as an open recording file grows past its index: the writer has written a
        fragment and is syncing it, and indexes it only after that (the window a kill must not lose
        anything in, and where recovery finds fragments written but not indexed). False after
        `timeout` without one."""
        deadline = time.monotonic() + timeout
        ends, next_read = {}, 0.0
        while time.monotonic() < deadline:
            if time.monotonic() >= next_read:
                ends = self.open_file_ends()
                next_read = time.monotonic() + 0.2
            for name, end in ends.items():
                try:
                    if os.stat(os.path.join(self.directory, name)).st_size > end:
                        return True
                except OSError:
                    pass
            time.sleep(0.0005)
        return False

    def after_kill(self):
        """The crashed directory, before any restart: the index as the kill left it (every row
        committed is acknowledged too), which files were open and how far each runs past its index."""
        self.stop_publisher()
        disk = self.files_on_disk()
        files, fragments = self.read_index()
        self.figures["acked_at_kill"] += self.acknowledge(fragments, "at the kill")
        open_files = {}
        for name, info in files.items():
            if info["sealed_ms"] is not None:
                continue
            rows = sorted((seq, f) for (n, seq), f in fragments.items() if n == name)
            end = rows[-1][1][0] + rows[-1][1][1] if rows else info["init_length"]
            open_files[name] = {"rows": len(rows), "end": end, "size": disk.get(name)}
        past = sum(max(0, o["size"] - o["end"]) for o in open_files.values() if o["size"] is not None)
        self.at_kill = {"disk": disk, "open": open_files, "time": time.time()}
        if open_files:
            self.figures["kills_recording"] += 1
        if any(files[n]["path"] == f"cam/{BODY_CAM}" for n in open_files):
            self.figures["kills_bodycam_recording"] += 1
        if past > 0:
            self.figures["kills_bytes_past_index"] += 1
        return open_files

    # ---------------------------------------------------------------- after the restart

    def check_after_restart(self, started_wall):
        """Called with the server running again; `started_wall` is when its last start began."""
        h = self.h
        files, fragments = self.read_index()
        # (1) Nothing acknowledged lost: every fragment indexed before or at the kill is still
        # indexed where it was, with its hash, and (for those not read back yet, and a sample of
        # the others) its bytes still hash to it.
        lost = []
        for key, (offset, length, digest) in self.acked.items():
            got = fragments.get(key)
            if got is None or got[:3] != (offset, length, digest):
                lost.append((key, got))
        for (name, seq), got in lost[:5]:
            what = "gone from the index" if got is None else f"now at offset {got[0]}, {got[1]} bytes, hash {got[2].hex()[:16]}"
            h.violation(f"acknowledged fragment {seq} of {name} (offset {self.acked[(name, seq)][0]}, "
                        f"{self.acked[(name, seq)][1]} bytes) is {what}")
        if len(lost) > 5:
            h.violation(f"... {len(lost) - 5} more acknowledged fragments lost or changed")
        checked = set(self.acked) - self.unhashed
        sample = set(h.rng.sample(sorted(checked), min(16, len(checked))))
        open_names = set(self.at_kill["open"]) if self.at_kill else set()
        targets = sorted(self.unhashed | sample | {k for k in self.acked if k[0] in open_names})
        mismatched = []
        for key in targets:
            offset, length, digest = self.acked[key]
            try:
                with open(os.path.join(self.directory, key[0]), "rb") as f:
                    f.seek(offset)
                    data = f.read(length)
            except OSError as error:
                mismatched.append(f"fragment {key[1]} of {key[0]}: {error}")
                continue
            self.figures["bytes_hashed"] += len(data)
            if len(data) != length or hashlib.sha256(data).digest() != digest:
                mismatched.append(f"fragment {key[1]} of {key[0]} (offset {offset}, {length} bytes): "
                                  f"{len(data)} bytes read, SHA-256 differs from the acknowledged one")
        for message in mismatched[:5]:
            h.violation(f"acknowledged bytes changed: {message}")
        self.figures["fragments_read_back"] += len(targets)
        self.unhashed.clear()

        # (2) verify, with the server running (it is recording the body camera again).
        self.verify("after the restart, server running")

        # (3) Nothing left open but what the restarted server is writing: every file that was on
        # disk at the kill is in the index and sealed; an unsealed file must be newer than the start.
        at_kill = self.at_kill or {"disk": {}, "open": {}}
        for name in sorted(at_kill["disk"]):
            info = files.get(name)
            if info is None and at_kill["disk"][name] == 0 and not os.path.exists(os.path.join(self.directory, name)):
                # Killed between the file's creation and its init section: nothing in it, removed.
                self.figures["empty_files_removed"] += 1
            elif info is None:
                h.violation(f"recording file {name} ({at_kill['disk'][name]} bytes at the kill) is not in the index after recovery")
            elif info["sealed_ms"] is None:
                h.violation(f"recording file {name}, on disk at the kill, is still open after recovery")
        for name, info in files.items():
            if info["sealed_ms"] is None and info["created_ms"] < int(started_wall * 1000) - 1:
                h.violation(f"recording file {name} is open but was created before the restart "
                            f"({info['created_ms']} < {int(started_wall * 1000)})")

        # What recovery did with each file open at the kill, from the index: rows past the ones
        # indexed at the kill were written but not indexed (recovered), bytes past them were cut.
        for name, before in at_kill["open"].items():
            info = files.get(name)
            if info is None or info["sealed_ms"] is None:
                continue
            rows = sorted((seq, f) for (n, seq), f in fragments.items() if n == name)
            end = rows[-1][1][0] + rows[-1][1][1] if rows else info["init_length"]
            added = [f for seq, f in rows if seq >= before["rows"]]
            if any(not f[3] for f in added):
                h.violation(f"{name}: fragments indexed by recovery are not marked recovered")
            if not info["recovered"]:
                h.violation(f"{name}: open at the kill, sealed after it but not marked recovered")
            self.figures["files_recovered"] += 1
            self.figures["fragments_recovered"] += len(added)
            if not rows:
                self.figures["empty_files_recovered"] += 1
            size = os.path.getsize(os.path.join(self.directory, name)) if os.path.exists(os.path.join(self.directory, name)) else None
            if before["size"] is not None:
                if end > before["size"]:
                    h.violation(f"{name}: the index runs to {end} bytes, the file held {before['size']} at the kill")
                else:
                    self.figures["bytes_cut"] += before["size"] - end
                if size != end:
                    h.violation(f"{name}: sealed by recovery at {end} bytes of index, the file has {size}")
        # The ledger's account of the same: file.recovered entries, rebuilt files, rows removed.
        for seq, kind, detail in self.read_ledger(self.ledger_seen):
            self.ledger_seen = seq
            if kind != "file.recovered":
                continue
            if detail.get("rebuilt") == "true":
                self.figures["files_rebuilt"] += 1
            removed = int(detail.get("removed", "0"))
            self.figures["index_rows_removed"] += removed
            if removed:
                h.violation(f"recovery removed {removed} index row(s) of {detail.get('file')}: acknowledged fragments without their bytes")
            for flag in ("missing", "altered"):
                if flag in detail:
                    h.violation(f"recovery found {detail.get('file')} {flag} ({detail.get('reason')}) after a kill -9")
        # Recording must be on again: a failed recovery leaves it off (live continues). (disk-low is
        # on, waiting for space: a full disk is another harness's scenario.)
        status, answer = h.api.call("GET", "/api/v1/recordings/status", h.admin)
        if status != 200 or (answer or {}).get("state") not in ("recording", "disk-low"):
            h.violation(f"recording is not on after the restart: {status} {answer}")
        self.last_status = answer
        self.figures["files"] = len(files)
        self.figures["fragments"] = len(fragments)
        self.at_kill = None

    def verify(self, when):
        r = self.h.cli(["recordings", "verify", "--data", self.h.data], timeout=300)
        self.figures["recording_verifies"] += 1
        if r.returncode != 0:
            self.h.violation(f"recordings verify ({when}) exit {r.returncode}: {r.stdout.strip()[:600]} {r.stderr.strip()[:300]}")


class Harness:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.work = args.work
        self.data = os.path.join(self.work, "data")
        self.gateway = Gateway(args.bin, self.data, self.work)
        self.api = API(self.gateway.http_port)
        self.model = Model()
        self.violations = []
        self.stop = threading.Event()
        self.admin = None
        self.org_tokens = {}
        self.stories = []         # (township, county, villages)
        self.device_seq = 0
        self.batch_seq = 0
        self.seq_lock = threading.Lock()
        self.import_lock = threading.Lock()   # one import CLI at a time (they would queue on the lock anyway)
        self.import_durations = []
        self.recovery_seconds = []   # start until recording recovery logged its end
        self.figures = {"kills": 0, "kills_during_import": 0, "import_cli_killed": 0, "first_start_kills": 0,
                        "first_start_kills_during_seed": 0, "restart_seconds": [], "verified_actions": 0,
                        "audit_events": 0, "integrity_checks": 0, "audit_verifies": 0, "stray_temp_files": 0}
        self.round = 0
        self.harness_errors = []
        self.rec = Recordings(self)

    # ---------------------------------------------------------------- helpers

    def violation(self, what):
        message = f"round {self.round}: {what}"
        log("VIOLATION " + message)
        self.violations.append(message)

    def cli(self, argv, timeout=120):
        return subprocess.run([self.args.bin] + argv, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=timeout)

    def next_device(self, prefix):
        with self.seq_lock:
            self.device_seq += 1
            return f"crash-{prefix}-{self.device_seq}"

    # ---------------------------------------------------------------- import batches

    def batch_csv(self, batch, version):
        """Two new townships of one county with `villages` rooms each; version names the rooms."""
        info = self.model.batches[batch]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["level", "code", "name", "parent_code", "room_name", "latitude", "longitude", "synthetic", "equipment_note"])
        for township, county in info["townships"]:
            writer.writerow(["township", township, f"崩溃测试镇{township[-3:]}", county, "", "", "", "true", ""])
            for v in range(1, info["villages"] + 1):
                code = f"{township}{v:03d}"
                writer.writerow(["village", code, f"测试村{code[-6:]}", township, f"crash-b{batch}-v{version}-{code}",
                                 f"{27.5 + v / 10000:.6f}", f"{109.0 + v / 10000:.6f}", "true", ""])
        path = os.path.join(self.work, f"batch-{batch}-v{version}.csv")
        with open(path, "w", encoding="utf-8") as f:
            f.write(out.getvalue())
        return path

    def new_batch(self):
        with self.seq_lock:
            batch = self.batch_seq
            self.batch_seq += 1
        townships = []
        for j in (2 * batch, 2 * batch + 1):
            county = COUNTIES[j % len(COUNTIES)]
            townships.append((f"{county}{500 + j // len(COUNTIES):03d}", county))
        with self.model.lock:
            # possible: the versions a read-back may show (0 = not there at all).
            self.model.batches[batch] = {"townships": townships, "villages": self.args.villages,
                                         "acked_version": None, "possible": {0}, "imports": 0}
        return batch

    def start_import(self):
        """Starts one import CLI (a new batch, or a rename of every room of an acknowledged one)."""
        with self.model.lock:
            done = [b for b, info in self.model.batches.items() if info["acked_version"] is not None]
        if done and self.rng.random() < 0.4:
            batch = self.rng.choice(done)
            with self.model.lock:
                version = max(self.model.batches[batch]["possible"]) + 1
        else:
            batch = self.new_batch()
            version = 1
        path = self.batch_csv(batch, version)
        with self.model.lock:
            self.model.batches[batch]["possible"].add(version)
        proc = spawn([self.args.bin, "rooms", "import", "--data", self.data, "--json", path],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return proc, batch, version, time.monotonic()

    def finish_import(self, proc, batch, version, started, timeout=120):
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            self.violation(f"import of batch {batch} v{version} did not finish in {timeout} s")
        what = {"batch": batch, "version": version, "rows": 2 * (1 + self.args.villages)}
        if proc.returncode == 0:
            self.import_durations.append(time.monotonic() - started)
            with self.model.lock:
                info = self.model.batches[batch]
                info["acked_version"] = version
                info["possible"] = {version}
                info["imports"] += 1
            self.model.ack("rooms import", what)
        elif proc.returncode < 0:
            self.model.unknown("rooms import", {**what, "signal": -proc.returncode})
        else:
            self.model.refusal("rooms import", proc.returncode, err.strip()[-200:])
        return proc.returncode

    # ---------------------------------------------------------------- workers

    def run_worker(self, name, body):
        try:
            while not self.stop.is_set():
                body()
        except InFlight:
            pass
        except Exception as error:  # a harness bug, not a gateway fault: say so loudly
            log(f"worker {name} failed: {error!r}")
            self.harness_errors.append(f"{name}: {error!r}")

    def api_act(self, kind, method, path, token, body=None, what=None):
        """One write over the API. Returns the JSON answer if acknowledged, None if refused;
        raises InFlight (after noting it) if the gateway died under it."""
        try:
            status, answer = self.api.call(method, path, token, body)
        except InFlight:
            self.model.unknown(kind, what or {"path": path})
            raise
        if 200 <= status < 300:
            self.model.ack(kind, what or {"path": path})
            return answer
        self.model.refusal(kind, status, answer)
        return None

    def device_worker_api(self):
        device = self.next_device("api")
        org = self.rng.choice(self.stories)[0]
        with self.model.lock:
            self.model.devices[device] = {"name": f"crash camera {device}", "org": org, "state": None,
                                          "passphrase": None, "pending": True, "via": "api"}
        answer = self.api_act("device create (API)", "POST", "/api/v1/devices", self.admin,
                              {"id": device, "name": f"crash camera {device}", "org": org}, {"device": device})
        if answer is None:
            with self.model.lock:
                del self.model.devices[device]
            return
        with self.model.lock:
            self.model.devices[device].update(state=answer.get("state"), pending=False)
        for _ in range(self.rng.randint(1, 3)):
            with self.model.lock:
                self.model.devices[device]["pending"] = True
            answer = self.api_act("device rotate-key (API)", "POST", f"/api/v1/devices/{device}/rotate-key", self.admin,
                                  what={"device": device})
            if answer is None:
                return
            with self.model.lock:
                self.model.devices[device].update(passphrase=answer["passphrase"], pending=False)
        if self.rng.random() < 0.3:
            with self.model.lock:
                self.model.devices[device]["pending"] = True
            answer = self.api_act("device revoke (API)", "POST", f"/api/v1/devices/{device}/revoke", self.admin,
                                  what={"device": device})
            if answer is not None:
                with self.model.lock:
                    self.model.devices[device].update(state=answer.get("state"), pending=False)

    def device_worker_cli(self):
        device = self.next_device("cli")
        org = self.rng.choice(self.stories)[0]
        with self.model.lock:
            self.model.devices[device] = {"name": f"crash cli camera {device}", "org": org, "state": None,
                                          "passphrase": None, "pending": True, "via": "cli"}
        r = self.cli(["devices", "add", "--data", self.data, "--json", "--id", device, "--name", f"crash cli camera {device}",
                      "--org", org])
        if r.returncode != 0:
            self.model.refusal("device create (CLI)", r.returncode, r.stderr.strip()[-200:])
            with self.model.lock:
                del self.model.devices[device]
            if self.stop.is_set():
                raise InFlight("stopped")
            return
        out = json.loads(r.stdout)
        self.model.ack("device create (CLI)", {"device": device})
        with self.model.lock:
            self.model.devices[device].update(state=out["device"]["state"], passphrase=out["provisioning"]["passphrase"], pending=False)
        if self.stop.is_set():
            raise InFlight("stopped")
        r = self.cli(["devices", "rotate-key", "--data", self.data, "--json", device])
        if r.returncode == 0:
            self.model.ack("device rotate-key (CLI)", {"device": device})
            with self.model.lock:
                self.model.devices[device]["passphrase"] = json.loads(r.stdout)["passphrase"]
        else:
            self.model.refusal("device rotate-key (CLI)", r.returncode, r.stderr.strip()[-200:])
        if self.stop.is_set():
            raise InFlight("stopped")
        time.sleep(self.rng.uniform(0.05, 0.3))

    def token_worker(self):
        org = self.rng.choice(self.stories)[self.rng.randint(0, 1)]
        answer = self.api_act("org token (API)", "POST", f"/api/v1/orgs/{org}/tokens", self.admin, what={"org": org})
        if answer is not None:
            with self.model.lock:
                self.model.tokens.append({"org": org, "token": answer["token"]})
        time.sleep(self.rng.uniform(0.1, 0.5))

    def story_worker(self, index):
        township, county, villages = self.stories[index]
        t, c, city = self.org_tokens[township], self.org_tokens[county], self.org_tokens[CITY]
        village = self.rng.choice(villages)
        incident = [None]
        session = [None]

        def incident_act(kind, method, path, token, body=None):
            if incident[0]:
                with self.model.lock:
                    self.model.incidents[incident[0]]["pending"] = True
            answer = self.api_act(kind, method, path, token, body, {"incident": incident[0], "path": path})
            if answer is not None:
                with self.model.lock:
                    self.model.incidents[answer["id"]] = {"reports": [r["stage"] for r in answer.get("reports", [])],
                                                          "state": answer.get("state"), "pending": False}
            return answer

        def session_act(kind, method, path, token, body=None, event=None):
            with self.model.lock:
                entry = self.model.sessions[session[0]]
                entry["pending"] = True
            answer = self.api_act(kind, method, path, token, body, {"session": session[0], "path": path})
            with self.model.lock:
                if answer is not None:
                    entry["view"] = session_signature(answer)
                    if event:
                        entry["kinds"][event] = entry["kinds"].get(event, 0) + 1
                entry["pending"] = False if answer is not None else entry["pending"]
            return answer

        answer = incident_act("incident create", "POST", "/api/v1/incidents", t, {
            "villageCode": village, "category": "natural_disaster", "grade": "IV",
            "title": f"crash test round {self.round}", "report": "slope failure, road blocked"})
        if answer is None:
            return
        incident[0] = answer["id"]
        with self.model.lock:
            self.model.incidents[incident[0]]["pending"] = True
        answer = self.api_act("session open", "POST", f"/api/v1/incidents/{incident[0]}/sessions", t,
                              what={"incident": incident[0]})
        if answer is None:
            return
        session[0] = answer["id"]
        with self.model.lock:
            self.model.incidents[incident[0]]["pending"] = False
            self.model.sessions[session[0]] = {"view": session_signature(answer), "pending": False,
                                               "kinds": {"session.created": 1}, "incident": incident[0]}
        sid = session[0]
        steps = [
            ("feed attach", "POST", f"/api/v1/sessions/{sid}/feeds", t, {"path": f"cam/bc-{township}"}, "feed.attached"),
            ("feed attach", "POST", f"/api/v1/sessions/{sid}/feeds", t, {"path": f"room/{village}"}, "feed.attached"),
            ("feed focus", "POST", f"/api/v1/sessions/{sid}/focus", t, {"path": f"room/{village}"}, "feed.focus"),
            ("invite", "POST", f"/api/v1/sessions/{sid}/invitations", t, {"org": county, "role": "participant"}, "participant.invited"),
            ("join", "POST", f"/api/v1/sessions/{sid}/join", c, None, "participant.joined"),
            ("escalate", "POST", f"/api/v1/sessions/{sid}/escalations", t, {"grade": "II"}, "session.escalated"),
            ("join", "POST", f"/api/v1/sessions/{sid}/join", city, None, "participant.joined"),
            ("handover", "POST", f"/api/v1/sessions/{sid}/handover", t, {"to": county, "note": "county takes command"}, "session.handover"),
            ("feed detach", "DELETE", f"/api/v1/sessions/{sid}/feeds/cam/bc-{township}", c, None, "feed.detached"),
        ]
        for kind, method, path, token, body, event in steps:
            if self.stop.is_set():
                return
            if session_act(kind, method, path, token, body, event) is None:
                return
        if incident_act("report", "POST", f"/api/v1/incidents/{incident[0]}/reports", t,
                        {"stage": "followup", "text": "people evacuated"}) is None:
            return
        if session_act("session close", "POST", f"/api/v1/sessions/{sid}/close", c, None, "session.closed") is None:
            return
        incident_act("report", "POST", f"/api/v1/incidents/{incident[0]}/reports", t, {"stage": "final", "text": "road reopened"})

    # ---------------------------------------------------------------- setup

    def first_setup(self):
        os.makedirs(self.data, exist_ok=True)
        self.gateway.start()
        if not self.gateway.wait_ready(120):
            raise RuntimeError("the gateway did not start:\n" + self.gateway.log_tail())
        with open(os.path.join(self.data, "admin.token")) as f:
            self.admin = f.read().strip()
        export = self.export_rooms()
        for county in COUNTIES[:self.args.stories]:
            township = f"{county}001"
            villages = sorted(code for code, row in export.items() if row["parent_code"] == township)
            self.stories.append((township, county, villages))
        for org in [CITY] + [s[0] for s in self.stories] + [s[1] for s in self.stories]:
            status, answer = self.api.call("POST", f"/api/v1/orgs/{org}/tokens", self.admin)
            if status != 201:
                raise RuntimeError(f"cannot issue a token for {org}: {status} {answer}")
            self.org_tokens[org] = answer["token"]
            self.model.tokens.append({"org": org, "token": answer["token"]})
            self.model.ack("org token (API)", {"org": org})
        self.rec.start_publisher()

    def export_rooms(self):
        r = self.cli(["rooms", "export", "--data", self.data])
        if r.returncode != 0:
            raise RuntimeError(f"rooms export failed: {r.stderr}")
        rows = {}
        for row in csv.DictReader(io.StringIO(r.stdout)):
            rows[row["code"]] = row
        return rows

    # ---------------------------------------------------------------- one round

    def run_round(self):
        self.stop.clear()
        self.harness_errors = []
        loadgen = spawn(
            [self.args.bin, "loadgen", "--url", f"srt://127.0.0.1:{self.gateway.srt_port}", "--file", self.args.clip,
             "--streams", str(self.args.publishers), "--data", self.data, "--first-index", str(self.rng.randint(0, 2000)),
             "--seconds", "120", "--quiet"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        workers = [threading.Thread(target=self.run_worker, args=("device-api", self.device_worker_api), daemon=True),
                   threading.Thread(target=self.run_worker, args=("device-cli", self.device_worker_cli), daemon=True),
                   threading.Thread(target=self.run_worker, args=("tokens", self.token_worker), daemon=True)]
        for i in range(len(self.stories)):
            workers.append(threading.Thread(target=self.run_worker, args=(f"story-{i}", lambda i=i: self.story_worker(i)), daemon=True))
        for w in workers:
            w.start()

        during_import = self.rng.random() < self.args.import_kill_share
        imports = []  # (proc, batch, version, started)
        kill_cli = False
        if during_import:
            time.sleep(self.rng.uniform(0.2, 1.5))
            with self.import_lock:
                imports.append(self.start_import())
            expected = (sum(self.import_durations) / len(self.import_durations)) if self.import_durations else 0.5
            time.sleep(self.rng.uniform(0.02, 1.1) * expected)
            kill_cli = self.rng.random() < 0.5
        else:
            delay = self.rng.uniform(0.3, self.args.max_delay)
            if self.rng.random() < 0.5:
                # An import somewhere in the round, whose outcome the kill may or may not catch.
                before = self.rng.uniform(0, delay)
                time.sleep(before)
                with self.import_lock:
                    imports.append(self.start_import())
                time.sleep(delay - before)
            else:
                time.sleep(delay)

        # The kill; in some rounds the moment the recording writer has written a fragment and is
        # syncing it, before its index row.
        self.rec.snapshot()
        if not during_import and self.rng.random() < self.args.write_kill_share:
            self.rec.figures["write_kills"] += 1
            if self.rec.wait_for_write(2.5):
                self.rec.figures["write_kills_hit"] += 1
        import_running = any(p.poll() is None for p, *_ in imports)
        if kill_cli:
            for p, *_ in imports:
                if p.poll() is None:
                    p.kill()
                    self.figures["import_cli_killed"] += 1
        self.gateway.kill9()
        self.figures["kills"] += 1
        if import_running:
            self.figures["kills_during_import"] += 1
        self.stop.set()
        for p, batch, version, started in imports:
            self.finish_import(p, batch, version, started)
        for w in workers:
            w.join(timeout=150)
            if w.is_alive():
                self.harness_errors.append("a worker did not stop")
        if loadgen.poll() is None:
            loadgen.terminate()
        try:
            loadgen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            loadgen.kill()
            loadgen.wait()
        if self.harness_errors:
            raise RuntimeError("; ".join(self.harness_errors))
        open_files = self.rec.after_kill()

        if self.args.tamper and self.round == 1:
            self.tamper()
        self.check_crashed_directory()
        recovery_kill = None
        written = any(o["size"] is not None and o["size"] > o["end"] for o in open_files.values())
        if (self.round == min(2, self.args.rounds) or self.rng.random() < self.args.recovery_kill_share
                or (written and self.rng.random() < 0.5)):
            recovery_kill = self.kill_during_recovery()
        started_wall = time.time()
        started = time.monotonic()
        self.gateway.start()
        if not self.gateway.wait_ready(self.args.restart_timeout):
            self.violation(f"the gateway did not come back within {self.args.restart_timeout} s:\n{self.gateway.log_tail()}")
            raise SystemExit(1)
        self.figures["restart_seconds"].append(time.monotonic() - started)
        if self.gateway.recovery_at is not None:
            self.recovery_seconds.append(self.gateway.recovery_at)
        self.rec.start_publisher()
        acked = self.model.round_acked
        self.rec.check_after_restart(started_wall)
        self.check_after_restart(import_running)
        log(f"round {self.round}: kill after {acked} acknowledged actions"
            + (" (during an import" + (", CLI killed too)" if kill_cli else ")") if import_running else "")
            + (f", {len(open_files)} recording file(s) open" if open_files else ", no recording file open")
            + (f"; killed again {recovery_kill}" if recovery_kill else "")
            + f"; restart {self.figures['restart_seconds'][-1]:.2f} s; violations so far {len(self.violations)}")

    def kill_during_recovery(self):
        """Kills the gateway again right after it starts, while recording recovery may be running.
        Recovery runs before anything else, in milliseconds per file: when files are open, half of
        these kills come the moment the recording index's WAL is first written (recovery's first
        commit: a fragment it indexed, or a seal); the others at a random moment around when
        earlier starts logged recovery's end."""
        times = sorted(self.recovery_seconds) or sorted(self.figures["restart_seconds"]) or [0.5]
        expected = times[len(times) // 2]
        wal = self.rec.index_path + "-wal"

        def stamp():
            try:
                info = os.stat(wal)
                return info.st_mtime_ns, info.st_size
            except OSError:
                return None

        watch = bool(self.rec.at_kill["open"]) and self.rng.random() < 0.5
        first = stamp()
        self.gateway.start()
        started = time.monotonic()
        if watch:
            deadline = started + 2 * expected + 1
            while time.monotonic() < deadline and stamp() == first and self.gateway.proc.poll() is None:
                time.sleep(0.0003)
        else:
            time.sleep(self.rng.uniform(0.3, 1.3) * expected)
        delay = time.monotonic() - started
        self.gateway.kill9()
        # Where recovery was: the files open at the kill untouched, some done, or all sealed.
        f = self.rec.figures
        f["recovery_kills"] += 1
        before = self.rec.at_kill["open"]
        ends = self.rec.open_file_ends()
        untouched = [n for n in before if ends.get(n) == before[n]["end"]
                     and self.rec.files_on_disk().get(n) == before[n]["size"]]
        if not before:
            where = "nothing to recover"
            f["recovery_kills_nothing"] += 1
        elif len(untouched) == len(before):
            where = "before recovery changed anything"
            f["recovery_kills_before"] += 1
        elif not any(n in ends for n in before):
            where = "after recovery sealed every file"
            f["recovery_kills_after"] += 1
        else:
            where = "in the middle of recovery"
            f["recovery_kills_middle"] += 1
        return f"{delay:.2f} s into the restart{' at the first index write' if watch else ''} ({where})"

    def tamper(self):
        """Negative control (--tamper): removes what a lost write would, so the checks must fail."""
        with self.model.lock:
            device = next(d for d, w in self.model.devices.items() if w["state"] is not None and not w["pending"])
            batch = next((b for b, i in self.model.batches.items() if i["acked_version"]), None)
        statements = [f"DELETE FROM srtKey WHERE sourcePath = 'cam/{device}'; DELETE FROM device WHERE id = '{device}';"]
        if batch is not None:
            township = self.model.batches[batch]["townships"][0][0]
            statements.append(f"DELETE FROM srtKey WHERE sourcePath = 'room/{township}001'; DELETE FROM room WHERE code = '{township}001';")
        with self.model.lock:
            session = next(iter(self.model.sessions), None)
        targets = [("registry.sqlite", sql) for sql in statements]
        if session:
            targets.append(("reporting.sqlite", f"DELETE FROM jointSession WHERE id = '{session}';"))
        for db, sql in targets:
            r = subprocess.run(["sqlite3", os.path.join(self.data, db), sql], capture_output=True, text=True)
            log(f"tamper: {sql} -> {r.returncode} {r.stderr.strip()}")
        # A recording file (one open at the kill if there is one) loses its last acknowledged
        # fragment's bytes (what an index row committed before its data was synced would leave).
        victims = (sorted((key, value) for key, value in self.rec.acked.items() if key[0] in (self.rec.at_kill or {}).get("open", {}))
                   or sorted(self.rec.acked.items()))
        if victims:
            (name, seq), (offset, _, _) = victims[-1]
            os.truncate(os.path.join(self.rec.directory, name), offset)
            log(f"tamper: {name} truncated to {offset} bytes (acknowledged fragment {seq} cut)")

    # ---------------------------------------------------------------- checks

    def audit_verify(self, when):
        r = self.cli(["audit", "verify", "--data", self.data], timeout=120)
        self.figures["audit_verifies"] += 1
        if r.returncode != 0 or "audit verify: ok" not in r.stdout:
            self.violation(f"audit verify ({when}) exit {r.returncode}: {r.stdout.strip()} {r.stderr.strip()}")
        else:
            try:
                self.figures["audit_events"] = int(r.stdout.split("ok: ")[1].split(" events")[0])
            except (IndexError, ValueError):
                pass

    def check_crashed_directory(self):
        if shutil.which("sqlite3"):
            for db in ("registry.sqlite", "reporting.sqlite", os.path.join("recordings", "index.sqlite")):
                r = subprocess.run(["sqlite3", "-readonly", os.path.join(self.data, db), "PRAGMA integrity_check;"],
                                   capture_output=True, text=True, timeout=120)
                self.figures["integrity_checks"] += 1
                if r.returncode != 0 or r.stdout.strip() != "ok":
                    self.violation(f"integrity_check of {db} after the kill: {r.stdout.strip()[:300]} {r.stderr.strip()[:300]}")
        self.audit_verify("on the killed gateway's directory")
        self.rec.verify("on the killed gateway's directory")
        key = os.path.join(self.data, "audit.key")
        if os.path.exists(key) and os.path.getsize(key) != 32:
            self.violation(f"audit.key holds {os.path.getsize(key)} bytes")
        with open(os.path.join(self.data, "admin.token")) as f:
            if f.read().strip() != self.admin:
                self.violation("admin.token changed")
        strays = [n for n in os.listdir(self.data) if ".tmp" in n]
        self.figures["stray_temp_files"] = max(self.figures["stray_temp_files"], len(strays))

    def check_after_restart(self, import_was_running):
        m = self.model
        verified = 0
        violations_before = len(self.violations)
        # Devices, over the API.
        status, answer = self.api.call("GET", "/api/v1/devices", self.admin)
        if status != 200:
            self.violation(f"GET /api/v1/devices answered {status}")
            return
        present = {d["id"]: d for d in answer["devices"]}
        with m.lock:
            devices = {k: dict(v) for k, v in m.devices.items()}
        for device, want in devices.items():
            got = present.get(device)
            if got is None:
                if not (want["pending"] and want["state"] is None):
                    self.violation(f"device {device} (acknowledged, via {want['via']}) is missing")
                else:
                    with m.lock:
                        del m.devices[device]   # its creation was in flight and did not happen
                continue
            if want["state"] is None:      # creation in flight, and it happened
                with m.lock:
                    m.devices[device].update(state=got["state"], pending=False)
                continue
            if got["name"] != want["name"] or got["org"] != want["org"]:
                self.violation(f"device {device}: {got} does not match what was acknowledged")
            if not want["pending"] and got["state"] != want["state"]:
                self.violation(f"device {device} is {got['state']}, acknowledged {want['state']}")
            if want["state"] == "revoked" and got["state"] != "revoked":
                self.violation(f"device {device}: acknowledged revocation lost")
            verified += 1
        # Passphrases of the devices touched lately (and a sample of the others): the last
        # acknowledged rotation must be the key in force.
        recent = [d for d, w in devices.items() if w["passphrase"] and w["state"] is not None]
        sample = recent[-12:] + self.rng.sample(recent, min(8, len(recent)))
        for device in set(sample):
            want = devices[device]
            status, prov = self.api.call("GET", f"/api/v1/devices/{device}/provisioning", self.admin)
            if status != 200:
                if want["state"] != "revoked" and not want["pending"]:
                    self.violation(f"provisioning of {device} answered {status}")
                continue
            if not want["pending"] and prov["passphrase"] != want["passphrase"]:
                self.violation(f"device {device}: the key in force is not the last acknowledged one")
        # Resolve the actions that were in flight: what the restarted gateway shows is the state
        # from now on (the revocation or rotation happened or it did not; either is allowed).
        with m.lock:
            resolve = [d for d, w in m.devices.items() if w["pending"] and w["state"] is not None and d in present]
        for device in resolve:
            status, prov = self.api.call("GET", f"/api/v1/devices/{device}/provisioning", self.admin)
            with m.lock:
                m.devices[device].update(state=present[device]["state"], pending=False,
                                         passphrase=prov["passphrase"] if status == 200 else None)
        # Tokens: every acknowledged one still authenticates.
        with m.lock:
            tokens = list(m.tokens)
        for entry in tokens:
            status, _ = self.api.call("GET", "/api/v1/me", entry["token"])
            if status != 200:
                self.violation(f"token for {entry['org']} (acknowledged) answers {status}")
            verified += 1
        # Incidents and sessions, as the admin sees them.
        status, answer = self.api.call("GET", "/api/v1/incidents", self.admin)
        incidents = {i["id"]: i for i in answer["incidents"]} if status == 200 else {}
        if status != 200:
            self.violation(f"GET /api/v1/incidents answered {status}")
        with m.lock:
            want_incidents = {k: dict(v) for k, v in m.incidents.items()}
        for iid, want in want_incidents.items():
            got = incidents.get(iid)
            if got is None:
                self.violation(f"incident {iid} (acknowledged) is missing")
                continue
            stages = [r["stage"] for r in got["reports"]]
            n = len(want["reports"])
            if stages[:n] != want["reports"] or (not want["pending"] and len(stages) != n) or len(stages) > n + 1:
                self.violation(f"incident {iid}: reports {stages}, acknowledged {want['reports']} (pending {want['pending']})")
            elif not want["pending"] and got["state"] != want["state"]:
                self.violation(f"incident {iid} is {got['state']}, acknowledged {want['state']}")
            verified += 1
            with m.lock:
                m.incidents[iid].update(reports=stages, state=got["state"], pending=False)
        status, answer = self.api.call("GET", "/api/v1/sessions", self.admin)
        sessions = {s["id"]: s for s in answer["sessions"]} if status == 200 else {}
        if status != 200:
            self.violation(f"GET /api/v1/sessions answered {status}")
        with m.lock:
            want_sessions = {k: {"view": v["view"], "pending": v["pending"], "kinds": dict(v["kinds"])} for k, v in m.sessions.items()}
        for sid, want in want_sessions.items():
            got = sessions.get(sid)
            if got is None:
                self.violation(f"session {sid} (acknowledged) is missing")
                continue
            signature = session_signature(got)
            if signature != want["view"]:
                if not want["pending"]:
                    self.violation(f"session {sid}: {signature} differs from the acknowledged {want['view']}")
                    continue
            if want["pending"] or self.rng.random() < 0.1:
                # Every acknowledged command is on the record.
                status, events = self.api.call("GET", f"/api/v1/sessions/{sid}/events", self.admin)
                kinds = {}
                for event in (events or {}).get("events", []):
                    kinds[event.get("kind")] = kinds.get(event.get("kind"), 0) + 1
                for kind, count in want["kinds"].items():
                    if kinds.get(kind, 0) < count:
                        self.violation(f"session {sid}: {count} acknowledged {kind}, the record has {kinds.get(kind, 0)}")
            verified += 1
            with m.lock:
                m.sessions[sid].update(view=signature, pending=False)
        # Imports: all rows of a batch or none (all when acknowledged), every batch in one version.
        export = self.export_rooms()
        with m.lock:
            batches = {k: {"townships": v["townships"], "villages": v["villages"], "possible": set(v["possible"]),
                           "acked_version": v["acked_version"]} for k, v in m.batches.items()}
        for batch, info in batches.items():
            versions = []
            areas = 0
            for township, _ in info["townships"]:
                if township in export:
                    areas += 1
                for v in range(1, info["villages"] + 1):
                    row = export.get(f"{township}{v:03d}")
                    if row is None:
                        versions.append(0)
                    else:
                        name = row["room_name"]
                        versions.append(int(name.split("-v")[1].split("-")[0]) if name.startswith(f"crash-b{batch}-v") else -1)
            seen = set(versions)
            if len(seen) != 1 or (areas not in (0, len(info["townships"]))) or ((areas == 0) != (seen == {0})):
                counts = {v: versions.count(v) for v in seen}
                self.violation(f"import batch {batch} is half applied: townships {areas}/{len(info['townships'])}, "
                               f"rooms by version {counts}")
                continue
            version = seen.pop()
            if version not in info["possible"]:
                self.violation(f"import batch {batch} shows version {version}; acknowledged {info['acked_version']}, possible {sorted(info['possible'])}")
                continue
            if info["acked_version"] is not None:
                verified += 1
            with m.lock:
                # From now on only this version (or a later acknowledged one) is acceptable.
                m.batches[batch]["possible"] = {version}
                if version == 0:
                    m.batches[batch]["acked_version"] = None
                else:
                    m.batches[batch]["acked_version"] = version
        if len(self.violations) == violations_before:
            self.figures["verified_actions"] += m.round_acked
        m.round_acked = 0
        self.audit_verify("after the restart, server running")

    # ---------------------------------------------------------------- first start

    def first_start_kills(self, count):
        """Kills the very first start (seeding an empty data directory) at random moments."""
        if count == 0:
            return
        # How long a first start takes here, to spread the kills over it.
        probe = os.path.join(self.work, "first-probe")
        g = Gateway(self.args.bin, probe, self.work)
        t0 = time.monotonic()
        g.start()
        ok = g.wait_ready(120)
        first = time.monotonic() - t0
        g.kill9()
        shutil.rmtree(probe, ignore_errors=True)
        if not ok:
            raise RuntimeError("a first start did not come up:\n" + g.log_tail())
        log(f"a first start (seeding) takes {first:.2f} s here")
        self.figures["first_start_seconds"] = first
        for k in range(count):
            self.round = f"first-start {k + 1}"
            data = os.path.join(self.work, f"first-{k}")
            g = Gateway(self.args.bin, data, self.work)
            g.start()
            delay = self.rng.uniform(0.02, first * 1.1)
            time.sleep(delay)
            up = g.answers()
            g.kill9()
            self.figures["first_start_kills"] += 1
            if not up:
                self.figures["first_start_kills_during_seed"] += 1
            g.start()
            if not g.wait_ready(self.args.restart_timeout):
                self.violation(f"after a kill {delay:.2f} s into the first start, the gateway did not come back:\n{g.log_tail(15)}")
                g.kill9()
                continue
            ok = True
            try:
                token = open(os.path.join(data, "admin.token")).read().strip()
                status, areas = API(g.http_port).call("GET", "/api/v1/areas?depth=county", token)
                rooms = areas["roomsTotal"] if status == 200 else None
            except (OSError, InFlight, TypeError, KeyError) as error:
                rooms, status = None, f"{error!r}"
            if rooms != 2911:
                ok = False
                self.violation(f"after a kill {delay:.2f} s into the first start ({'before' if not up else 'after'} it answered), "
                               f"the restarted gateway has {rooms} rooms (areas answered {status}), not the seeded 2911")
            r = self.cli(["audit", "verify", "--data", data])
            if r.returncode != 0:
                ok = False
                self.violation(f"audit verify after a first-start kill: {r.stdout.strip()} {r.stderr.strip()}")
            g.kill9()
            if ok:
                shutil.rmtree(data, ignore_errors=True)

    # ---------------------------------------------------------------- report

    def report(self, elapsed):
        f = self.figures
        r = self.rec.figures
        m = self.model
        restarts = sorted(f["restart_seconds"]) or [0]
        recovery = sorted(self.recovery_seconds)[len(self.recovery_seconds) // 2] if self.recovery_seconds else 0
        acked_total = sum(m.acked.values())
        lines = [
            "# Crash consistency (kill -9)",
            "",
            f"Command: `scripts/faults/crash.sh{' --short' if self.args.short else ''}` "
            f"(rounds {self.args.rounds}, seed {self.args.seed}); {elapsed:.0f} s; {time.strftime('%Y-%m-%d %H:%M')}.",
            "",
            "| figure | value |",
            "|---|---|",
            f"| kills of a running gateway (SIGKILL) | {f['kills']} |",
            f"| of which while a CSV import was running | {f['kills_during_import']} (importing CLI killed too: {f['import_cli_killed']}) |",
            f"| kills during the first start (seeding) | {f['first_start_kills']} (before it answered: {f['first_start_kills_during_seed']}) |",
            f"| actions acknowledged (2xx / exit 0) | {acked_total} |",
            f"| acknowledged actions read back after the next restart | {f['verified_actions']} |",
            f"| actions in flight at a kill (outcome either way) | {sum(m.in_flight.values())} |",
            f"| refused actions (4xx/5xx, CLI exit ≠ 0) | {sum(m.refused.values())} |",
            f"| import batches (rows each) | {len(m.batches)} ({2 * (1 + self.args.villages)}) |",
            f"| `PRAGMA integrity_check` runs, all `ok` unless listed | {f['integrity_checks']} |",
            f"| `fieldrelay audit verify` runs (killed dir and live) | {f['audit_verifies']}; record at the end: {f['audit_events']} events |",
            f"| restart until /healthz answers: median / max | {restarts[len(restarts) // 2]:.2f} s / {restarts[-1]:.2f} s |",
            f"| stray checkpoint temp files (most at once) | {f['stray_temp_files']} |",
            f"| kills while recording (a recording file open at the kill) | {r['kills_recording']} (body camera's: {r['kills_bodycam_recording']}; "
            f"with bytes written past the index: {r['kills_bytes_past_index']}) |",
            f"| kills timed to a fragment write (file grown past its index) | {r['write_kills_hit']} of {r['write_kills']} tried |",
            f"| kills right after a restart, while recording recovery may run | {r['recovery_kills']} (nothing open to recover: "
            f"{r['recovery_kills_nothing']}; before it changed anything: {r['recovery_kills_before']}, in its middle: {r['recovery_kills_middle']}, after it sealed every file: {r['recovery_kills_after']}; "
            f"recovery logged its end a median {recovery:.2f} s into a start) |",
            f"| recording fragments acknowledged by the writer (indexed before the kill / more at it) | {r['acked_snapshot']} / {r['acked_at_kill']} |",
            f"| acknowledged fragments whose bytes were hashed again after a restart | {r['fragments_read_back']} ({r['bytes_hashed'] / 1048576:.1f} MiB) |",
            f"| files recovered (open at a kill, sealed by recovery) | {r['files_recovered']} (of which without a fragment: {r['empty_files_recovered']}; "
            f"indexed from the file alone: {r['files_rebuilt']}; empty, removed: {r['empty_files_removed']}) |",
            f"| fragments recovered (written, not indexed at the kill) | {r['fragments_recovered']} |",
            f"| bytes cut (torn last writes) | {r['bytes_cut']} |",
            f"| index rows removed by recovery | {r['index_rows_removed']} |",
            f"| `fieldrelay recordings verify` runs (killed dir and live) | {r['recording_verifies']}; at the end {r['files']} files, {r['fragments']} fragments |",
            f"| **violations** | **{len(self.violations)}** |",
            "",
            "## Acknowledged, by kind",
            "",
            "| action | acknowledged | in flight at a kill |",
            "|---|---|---|",
        ]
        for kind in sorted(set(m.acked) | set(m.in_flight)):
            lines.append(f"| {kind} | {m.acked.get(kind, 0)} | {m.in_flight.get(kind, 0)} |")
        if m.refused:
            lines += ["", "## Refused", "", "| action, status | count |", "|---|---|"]
            for key, count in sorted(m.refused.items()):
                lines.append(f"| {key} | {count} |")
        lines += ["", "## Violations", ""]
        lines += [f"- {v}" for v in self.violations] or ["none"]
        os.makedirs(self.args.out, exist_ok=True)
        with open(os.path.join(self.args.out, "crash.md"), "w") as out:
            out.write("\n".join(lines) + "\n")
        print(f"crash: {f['kills']} kills ({f['kills_during_import']} during an import, CLI killed too in "
              f"{f['import_cli_killed']}), {f['first_start_kills']} first-start kills; {acked_total} actions acknowledged, "
              f"{f['verified_actions']} read back after restarts, {sum(m.in_flight.values())} in flight; "
              f"{f['audit_verifies']} audit verifies, {f['integrity_checks']} integrity checks; "
              f"recording: {r['kills_recording']} kills while recording, {r['recovery_kills']} during recovery, "
              f"{r['acked_snapshot'] + r['acked_at_kill']} fragments acknowledged, {r['files_recovered']} files recovered, "
              f"{r['fragments_recovered']} fragments recovered, {r['bytes_cut']} bytes cut, {r['recording_verifies']} verifies; "
              f"violations: {len(self.violations)}")
        for v in self.violations:
            print("  violation: " + v.splitlines()[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True)
    parser.add_argument("--clip", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--first-start-kills", type=int, default=10)
    parser.add_argument("--short", action="store_true")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--stories", type=int, default=3)
    parser.add_argument("--publishers", type=int, default=6)
    parser.add_argument("--villages", type=int, default=250, help="village rows per township of an import batch")
    parser.add_argument("--max-delay", type=float, default=5.0)
    parser.add_argument("--import-kill-share", type=float, default=0.35)
    parser.add_argument("--write-kill-share", type=float, default=0.3,
                        help="share of rounds that kill the moment a recording file grows past its index")
    parser.add_argument("--recovery-kill-share", type=float, default=0.1,
                        help="share of rounds that also kill the restart at once, while recording recovery may run "
                             "(round 2 always, and half the rounds that left fragments written but not indexed)")
    parser.add_argument("--tamper", action="store_true", help="negative control: delete acknowledged rows after round 1")
    parser.add_argument("--restart-timeout", type=float, default=60)
    args = parser.parse_args()
    if args.seed is None:
        args.seed = random.randrange(1 << 30)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    h = Harness(args)
    journal_path = os.path.join(args.out, "crash-journal.jsonl")
    os.makedirs(args.out, exist_ok=True)
    h.model.journal = open(journal_path, "w", buffering=1)
    started = time.monotonic()
    log(f"seed {args.seed}; work in {args.work}; journal {journal_path}")
    code = 0
    try:
        h.first_start_kills(args.first_start_kills)
        h.round = 0
        h.first_setup()
        for r in range(1, args.rounds + 1):
            h.round = r
            h.run_round()
        if args.rounds >= 3 and h.rec.figures["kills_recording"] == 0:
            # The recording checks held for nothing: say so rather than pass.
            h.violation(f"no kill found a recording file open: the body camera was not recorded (see {h.rec.log_path}; "
                        f"recording status after the last restart: {h.rec.last_status})")
    except SystemExit as e:
        code = e.code or 1
    except Exception as error:
        log(f"harness error: {error!r}")
        h.violations.append(f"harness error (not a gateway verdict): {error!r}")
        code = 2
    finally:
        stop_children()
        h.report(time.monotonic() - started)
    if code == 0 and h.violations:
        code = 1
    sys.exit(code)


if __name__ == "__main__":
    main()
