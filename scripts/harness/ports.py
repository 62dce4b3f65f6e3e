"""Free loopback ports, for the gateways and listeners the scripts start.

Also a command for the shell scripts (common.sh's free_port):
    python3 scripts/harness/ports.py [udp|tcp] [COUNT]    prints the first of COUNT consecutive free ports"""
import random
import socket
import sys


def free_port(kind="tcp", count=1):
    """The first of `count` consecutive ports (20000-60000) that are free on 127.0.0.1 for `kind`
    ("udp", else TCP) at the time of the call. RuntimeError after 200 tries."""
    socket_type = socket.SOCK_DGRAM if kind == "udp" else socket.SOCK_STREAM
    for _ in range(200):
        base = random.randint(20000, 60000 - count)
        sockets = []
        try:
            for port in range(base, base + count):
                sockets.append(socket.socket(socket.AF_INET, socket_type))
                sockets[-1].bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no free ports")


def main(arguments):
    kind = arguments[0] if arguments else "tcp"
    count = int(arguments[1]) if len(arguments) > 1 else 1
    try:
        print(free_port(kind, count))
    except RuntimeError as error:
        sys.exit(str(error))


if __name__ == "__main__":
    main(sys.argv[1:])
