#!/usr/bin/env python3
"""A small UDP impairment relay for the lossy-link harness (this kernel has no netem).

Listens on one UDP address; every client address that sends to it gets its own upstream socket
towards --target, and datagrams are relayed both ways with, per direction:
- a fixed one-way delay (--delay-ms UP[,DOWN]; "up" is client -> target, i.e. camera -> gateway),
- jitter: a uniform random extra delay in [0, --jitter-ms] per datagram. Without reordering a
  datagram never overtakes the one before it in the same direction (release times are kept
  monotonic, as on a real link whose queue varies),
- reordering: --reorder-percent of the datagrams are held back a further --reorder-ms and may be
  overtaken by the ones after them,
- --loss-percent (default 0): random drops in the relay itself. The harness drops packets in the
  kernel with nftables instead; this is only for running the relay on its own.

Upstream sockets bind to the target's side (127.0.0.1 when the target is on loopback). Stops on
SIGTERM or SIGINT and prints one JSON line of counters on stdout (also written to --stats)."""
import argparse
import heapq
import json
import random
import signal
import socket
import sys
import time
import selectors


def address(text):
    host, _, port = text.rpartition(":")
    return host, int(port)


class Direction:
    """The delay line of one direction of one client."""

    def __init__(self, delay, jitter, reorder_share, reorder_extra, loss_share, rng):
        self.delay, self.jitter = delay, jitter
        self.reorder_share, self.reorder_extra = reorder_share, reorder_extra
        self.loss_share = loss_share
        self.rng = rng
        self.last_release = 0.0

    def release_time(self, now):
        """When a datagram arriving now leaves, or None when the relay drops it."""
        if self.loss_share and self.rng.random() < self.loss_share:
            return None, False
        release = now + self.delay + (self.rng.uniform(0, self.jitter) if self.jitter else 0.0)
        release = max(release, self.last_release)  # FIFO: no overtaking by jitter alone
        self.last_release = release
        if self.reorder_share and self.rng.random() < self.reorder_share:
            return release + self.reorder_extra, True  # held back; later datagrams overtake it
        return release, False


class Relay:
    def __init__(self, options):
        self.options = options
        self.rng = random.Random(options.seed)
        up, _, down = options.delay_ms.partition(",")
        self.delay_up = float(up) / 1000
        self.delay_down = float(down or up) / 1000
        self.target = address(options.target)
        self.selector = selectors.DefaultSelector()
        self.listener = self.socket(address(options.listen))
        self.selector.register(self.listener, selectors.EVENT_READ, None)
        self.clients = {}  # client address -> (upstream socket, up direction, down direction, last seen)
        self.queue = []  # (release time, sequence, socket, payload, destination or None)
        self.sequence = 0
        self.counters = {"clients": 0, "up_datagrams": 0, "down_datagrams": 0, "up_bytes": 0, "down_bytes": 0,
                         "reordered": 0, "relay_dropped": 0, "send_errors": 0, "max_queue": 0,
                         # Harness health: datagrams sent more than 50 ms after their release time (the
                         # relay itself was starved of CPU), and the worst lateness.
                         "late_over_50ms": 0, "max_late_ms": 0.0}
        self.stopping = False

    def socket(self, bind):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for option in (socket.SO_RCVBUF, socket.SO_SNDBUF):
            try:
                sock.setsockopt(socket.SOL_SOCKET, option, 4 << 20)
            except OSError:
                pass
        sock.bind(bind)
        sock.setblocking(False)
        return sock

    def direction(self, delay):
        o = self.options
        return Direction(delay, o.jitter_ms / 1000, o.reorder_percent / 100, o.reorder_ms / 1000, o.loss_percent / 100, self.rng)

    def client(self, peer, now):
        entry = self.clients.get(peer)
        if entry is None:
            upstream = self.socket((self.options.upstream_host or self.target[0], 0))
            upstream.connect(self.target)
            entry = [upstream, self.direction(self.delay_up), self.direction(self.delay_down), now]
            self.clients[peer] = entry
            self.selector.register(upstream, selectors.EVENT_READ, peer)
            self.counters["clients"] += 1
        entry[3] = now
        return entry

    def schedule(self, release, sock, payload, destination):
        self.sequence += 1
        heapq.heappush(self.queue, (release, self.sequence, sock, payload, destination))
        self.counters["max_queue"] = max(self.counters["max_queue"], len(self.queue))

    def receive(self, key, now):
        sock = key.fileobj
        for _ in range(256):
            try:
                payload, peer = sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return  # e.g. ECONNREFUSED on a connected upstream socket: the gateway is not there
            if key.data is None:  # from a client, going up
                upstream, up, _, _ = self.client(peer, now)
                release, reordered = up.release_time(now)
                self.counters["up_datagrams"] += 1
                self.counters["up_bytes"] += len(payload)
                if release is None:
                    self.counters["relay_dropped"] += 1
                    continue
                self.counters["reordered"] += reordered
                self.schedule(release, upstream, payload, None)
            else:  # from the target, going down to the client key.data
                entry = self.clients.get(key.data)
                if entry is None:
                    continue
                entry[3] = now
                release, reordered = entry[2].release_time(now)
                self.counters["down_datagrams"] += 1
                self.counters["down_bytes"] += len(payload)
                if release is None:
                    self.counters["relay_dropped"] += 1
                    continue
                self.counters["reordered"] += reordered
                self.schedule(release, self.listener, payload, key.data)

    def flush(self, now):
        while self.queue and self.queue[0][0] <= now:
            release, _, sock, payload, destination = heapq.heappop(self.queue)
            late = now - release
            if late > 0.05:
                self.counters["late_over_50ms"] += 1
            if late * 1000 > self.counters["max_late_ms"]:
                self.counters["max_late_ms"] = round(late * 1000, 1)
            try:
                if destination is None:
                    sock.send(payload)
                else:
                    sock.sendto(payload, destination)
            except OSError:
                self.counters["send_errors"] += 1

    def expire(self, now):
        for peer, entry in list(self.clients.items()):
            if now - entry[3] > self.options.idle_seconds:
                self.selector.unregister(entry[0])
                entry[0].close()
                del self.clients[peer]

    def run(self):
        last_expiry = time.monotonic()
        while not self.stopping:
            now = time.monotonic()
            timeout = 0.05 if not self.queue else max(0.0, min(0.05, self.queue[0][0] - now))
            for key, _ in self.selector.select(timeout):
                self.receive(key, time.monotonic())
            now = time.monotonic()
            self.flush(now)
            if now - last_expiry > 5:
                self.expire(now)
                last_expiry = now


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listen", required=True, help="HOST:PORT to listen on (the cameras' side)")
    parser.add_argument("--target", required=True, help="HOST:PORT to relay to (the gateway's SRT port)")
    parser.add_argument("--upstream-host", help="address the upstream sockets bind to (default: the target's host)")
    parser.add_argument("--delay-ms", default="0", help="one-way delay, UP[,DOWN] in milliseconds")
    parser.add_argument("--jitter-ms", type=float, default=0.0, help="uniform random extra delay per datagram, 0..J ms")
    parser.add_argument("--reorder-percent", type=float, default=0.0, help="share of datagrams held back so later ones overtake them")
    parser.add_argument("--reorder-ms", type=float, default=20.0, help="how long a reordered datagram is held back")
    parser.add_argument("--loss-percent", type=float, default=0.0, help="random drops in the relay itself (the harness uses nftables)")
    parser.add_argument("--idle-seconds", type=float, default=120.0, help="forget a client after this much silence")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--stats", help="also write the final counters to this file")
    options = parser.parse_args()

    relay = Relay(options)

    def stop(*_):
        relay.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"udp_impair: {options.listen} -> {options.target}, delay {options.delay_ms} ms, jitter {options.jitter_ms} ms, "
          f"reorder {options.reorder_percent} % by {options.reorder_ms} ms", file=sys.stderr, flush=True)
    relay.run()
    result = json.dumps(relay.counters)
    print(result, flush=True)
    if options.stats:
        with open(options.stats, "w") as handle:
            handle.write(result + "\n")


if __name__ == "__main__":
    main()
