#!/usr/bin/env python3
"""Crash consistency: kill -9 the gateway at random moments while the registry, joint-reporting
sessions and the record are being written, restart it on the same data directory, and check that
nothing it acknowledged was lost.

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
  3. SIGKILL at a random moment (some rounds: while an import runs; in half of those the importing
     CLI is killed as well, as a power cut would);
  4. before restarting: `PRAGMA integrity_check` (sqlite3 -readonly) of both databases, and
     `fieldrelay audit verify` on the crashed directory; the side files (audit.key, admin.token,
     audit.checkpoint) are whole;
  5. restart on the same directory: it must answer within a bound; then every acknowledged action is
     read back (API and `fieldrelay rooms export`), every import batch has all of its rows or none
     (all if acknowledged), and `fieldrelay audit verify` passes again with the server running.

A separate phase kills the very first start (seeding an empty data directory) and checks that the
restart still gives a seeded, usable gateway.

Exit status 0 when no violation was found, 1 otherwise, 2 when the harness itself failed.
"""

import argparse
import csv
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import http.client
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
        self.proc = spawn(
            [self.binary, "serve", "--data", self.data, "--host", "127.0.0.1",
             "--http-port", str(self.http_port), "--srt-port", str(self.srt_port)],
            stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, start_new_session=True)
        logf.close()

    def wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
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
        self.figures = {"kills": 0, "kills_during_import": 0, "import_cli_killed": 0, "first_start_kills": 0,
                        "first_start_kills_during_seed": 0, "restart_seconds": [], "verified_actions": 0,
                        "audit_events": 0, "integrity_checks": 0, "audit_verifies": 0, "stray_temp_files": 0}
        self.round = 0
        self.harness_errors = []

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

        # The kill.
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

        if self.args.tamper and self.round == 1:
            self.tamper()
        self.check_crashed_directory()
        started = time.monotonic()
        self.gateway.start()
        if not self.gateway.wait_ready(self.args.restart_timeout):
            self.violation(f"the gateway did not come back within {self.args.restart_timeout} s:\n{self.gateway.log_tail()}")
            raise SystemExit(1)
        self.figures["restart_seconds"].append(time.monotonic() - started)
        acked = self.model.round_acked
        self.check_after_restart(import_running)
        log(f"round {self.round}: kill after {acked} acknowledged actions"
            + (" (during an import" + (", CLI killed too)" if kill_cli else ")") if import_running else "")
            + f"; restart {self.figures['restart_seconds'][-1]:.2f} s; violations so far {len(self.violations)}")

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
            for db in ("registry.sqlite", "reporting.sqlite"):
                r = subprocess.run(["sqlite3", "-readonly", os.path.join(self.data, db), "PRAGMA integrity_check;"],
                                   capture_output=True, text=True, timeout=120)
                self.figures["integrity_checks"] += 1
                if r.returncode != 0 or r.stdout.strip() != "ok":
                    self.violation(f"integrity_check of {db} after the kill: {r.stdout.strip()[:300]} {r.stderr.strip()[:300]}")
        self.audit_verify("on the killed gateway's directory")
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
        m = self.model
        restarts = sorted(f["restart_seconds"]) or [0]
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
