#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A stand-in miner for the stratum and runtime-socket kernel tests (stdlib only).

  stand_in_miner.py CONFIG            read {"pool": "HOST:PORT", "speak": "login"|"subscribe"|"http"}
                                      from the file CONFIG, connect, send that first message, close
  stand_in_miner.py unix-listen PATH  bind a unix stream socket at PATH (mode 0777), accept until killed
  stand_in_miner.py unix-connect PATH connect to the unix socket at PATH, then close

The pool is in the config file, never in argv, as a renamed miner keeps it.
Prints its pid first (the connect modes), so the test can find its events;
unix-listen prints `ready` once it listens.
"""
import json
import os
import socket
import sys

LOGIN = {
    "id": 1,
    "jsonrpc": "2.0",
    "method": "login",
    "params": {
        "login": "4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge",
        "pass": "x",
        "agent": "XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0",
    },
}
SUBSCRIBE = {"id": 1, "method": "mining.subscribe", "params": ["cpuminer/2.5.1"]}


def first_message(speak, host):
    if speak == "login":
        return (json.dumps(LOGIN, separators=(",", ":")) + "\n").encode()
    if speak == "subscribe":
        return (json.dumps(SUBSCRIBE) + "\n").encode()
    # An ordinary HTTP request whose body merely mentions mining.
    body = b'{"topic": "mining.subscribe is a stratum method", "method": "none"}'
    head = "POST /notes HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (
        host,
        len(body),
    )
    return head.encode() + body


def speak(config_path):
    with open(config_path) as f:
        config = json.load(f)
    host, port = config["pool"].rsplit(":", 1)
    print(os.getpid(), flush=True)
    s = socket.create_connection((host, int(port)))
    s.sendall(first_message(config["speak"], host))
    s.close()


def unix_listen(path):
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    os.chmod(path, 0o777)
    srv.listen(16)
    print("ready", flush=True)
    while True:
        conn, _ = srv.accept()
        conn.close()


def unix_connect(path):
    print(os.getpid(), flush=True)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.close()


def main():
    if sys.argv[1] == "unix-listen":
        unix_listen(sys.argv[2])
    elif sys.argv[1] == "unix-connect":
        unix_connect(sys.argv[2])
    else:
        speak(sys.argv[1])


if __name__ == "__main__":
    main()
