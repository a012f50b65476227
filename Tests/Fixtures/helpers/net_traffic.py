#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Test traffic for the network integration tests (stdlib only).

  net_traffic.py sink TCP_PORT UDP_PORT        listen on all addresses, read and discard, until killed
  net_traffic.py tcp HOST PORT BYTES           connect and send BYTES in 1 MiB writes, then close
  net_traffic.py udp HOST PORT COUNT SIZE      unconnected sendto() of COUNT datagrams of SIZE bytes
  net_traffic.py udpmsg HOST PORT COUNT SIZE   the same with sendmsg() and an address (not sendto)
  net_traffic.py paced HOST PORT BYTES SECONDS connect and send BYTES evenly over SECONDS (64 KiB
                                               writes on a schedule), a slow sender, then close
Prints the sender's pid first, so the test can find its events; tcp then prints
`sport N`, the local port the kernel bound for the connection.
"""
import os
import socket
import sys
import threading
import time


def sink(tcp_port, udp_port):
    def tcp():
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("0.0.0.0", tcp_port))
        srv.listen(8)
        while True:
            conn, _ = srv.accept()
            threading.Thread(target=drain, args=(conn,), daemon=True).start()

    def drain(conn):
        with conn:
            while conn.recv(1 << 20):
                pass

    def udp():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", udp_port))
        while True:
            s.recv(65536)

    threading.Thread(target=udp, daemon=True).start()
    print("ready", flush=True)
    tcp()


def main():
    mode = sys.argv[1]
    if mode == "sink":
        sink(int(sys.argv[2]), int(sys.argv[3]))
        return
    print(os.getpid(), flush=True)
    if mode == "tcp":
        host, port, total = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        chunk = b"x" * (1 << 20)
        with socket.create_connection((host, port), timeout=30) as s:
            print("sport", s.getsockname()[1], flush=True)
            sent = 0
            while sent < total:
                n = min(len(chunk), total - sent)
                s.sendall(chunk[:n])
                sent += n
    elif mode == "paced":
        host, port, total, seconds = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
        chunk = b"p" * (64 << 10)
        with socket.create_connection((host, port), timeout=30) as s:
            print("sport", s.getsockname()[1], flush=True)
            start = time.monotonic()
            sent = 0
            while sent < total:
                # Each write waits for its place on the schedule: the rate stays even, never a burst.
                due = start + seconds * sent / total
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                n = min(len(chunk), total - sent)
                s.sendall(chunk[:n])
                sent += n
    elif mode == "udp":
        host, port, count, size = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        payload = b"u" * size
        for _ in range(count):
            s.sendto(payload, (host, port))
    elif mode == "udpmsg":
        host, port, count, size = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        payload = b"m" * size
        for _ in range(count):
            s.sendmsg([payload], [], 0, (host, port))
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
