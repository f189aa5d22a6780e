#!/usr/bin/env python3
"""A network link with delay, loss and a rate limit, between two Ethernet interfaces.

Forwards every frame that arrives on one interface out of the other, as a wire would, after: a random
loss (each frame on its own, with probability LOSS), the time to send it at RATE behind the frames still
queued (at most LIMIT frames wait; more are dropped), then DELAY. Each direction on its own. What the
kernel's netem qdisc does ("delay D loss L rate R limit N"), for kernels built without it; the tests use
it in network namespaces only, on interfaces of their own.

Usage: link-emulator.py IF_A IF_B DELAY_MS LOSS RATE_KBIT LIMIT SEED
Prints "ready" once both interfaces are open; on SIGTERM prints one line of counts and exits.
"""
import heapq
import random
import select
import signal
import socket
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
MAX_FRAME = 65536


def main():
    if_a, if_b = sys.argv[1], sys.argv[2]
    delay = float(sys.argv[3]) / 1000.0
    loss = float(sys.argv[4])
    rate_bits = float(sys.argv[5]) * 1000.0
    limit = int(sys.argv[6])
    rng = random.Random(int(sys.argv[7]))

    sockets = {}
    for name in (if_a, if_b):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((name, 0))
        s.setblocking(False)
        sockets[name] = s
    other = {if_a: if_b, if_b: if_a}
    by_fd = {s.fileno(): name for name, s in sockets.items()}
    # Per outgoing interface: when its last queued frame has been sent, and how many frames wait.
    busy_until = {if_a: 0.0, if_b: 0.0}
    waiting = {if_a: 0, if_b: 0}
    counts = {"forwarded": 0, "lost": 0, "overflow": 0, "too_big": 0}
    queue = []  # (departure, sequence, interface, frame)
    sequence = 0
    stopping = []

    signal.signal(signal.SIGTERM, lambda *args: stopping.append(True))
    print("ready", flush=True)
    while not stopping:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, out, frame = heapq.heappop(queue)
            waiting[out] -= 1
            try:
                sockets[out].send(frame)
                counts["forwarded"] += 1
            except OSError:
                counts["too_big"] += 1
        timeout = max(0.0, queue[0][0] - now) if queue else 0.5
        try:
            ready, _, _ = select.select(list(by_fd), [], [], timeout)
        except InterruptedError:
            continue
        for fd in ready:
            source = by_fd[fd]
            while True:
                try:
                    frame, address = sockets[source].recvfrom(MAX_FRAME)
                except (BlockingIOError, InterruptedError):
                    break
                if address[2] == PACKET_OUTGOING:
                    continue  # our own frame, sent out of this interface
                out = other[source]
                if rng.random() < loss:
                    counts["lost"] += 1
                    continue
                if waiting[out] >= limit:
                    counts["overflow"] += 1
                    continue
                now = time.monotonic()
                sent = max(now, busy_until[out]) + len(frame) * 8 / rate_bits
                busy_until[out] = sent
                waiting[out] += 1
                sequence += 1
                heapq.heappush(queue, (sent + delay, sequence, out, frame))
    print(" ".join(f"{k}={v}" for k, v in counts.items()), flush=True)


if __name__ == "__main__":
    main()
