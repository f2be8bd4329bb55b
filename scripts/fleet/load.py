#!/usr/bin/env python3
#===----------------------------------------------------------------------===#
# This source file is part of the swift-distill open source project
# SPDX-License-Identifier: Apache-2.0
#===----------------------------------------------------------------------===#
"""A load of calls on one kv node, for the fleet test.

Speaks the node's control protocol as `bin/kv rpc` does (a new connection to
var/run/kv.sock per call; a 4-byte big-endian length, then External Term Format:
`{rpc, [kv, Request, TimeoutMs]}` -> `{ok, Reply} | {error, {Code, Message}}`), so that
the calls cost no process start and the count is exact. Until STOP exists it writes
`{put, <<"load-N">>, N}` and, every tenth call, reads back an earlier acknowledged key.
Then it reads back every acknowledged write and writes a JSON report to OUT:
calls, failures (a refused connection, an error reply, a wrong value, a timeout),
the first errors, acknowledged writes, writes missing at the end, the slowest call.

Usage: load.py SOCKET STOP OUT [INTERVAL_SECONDS]
"""

import json
import os
import socket
import struct
import sys
import time
import zlib

# MARK: - External Term Format, the terms this client sends and reads


def encode(term):
    """ETF of a term: str is an atom, bytes a binary, int, tuple, list."""
    if isinstance(term, str):
        data = term.encode()
        return bytes([119, len(data)]) + data
    if isinstance(term, bytes):
        return bytes([109]) + struct.pack(">I", len(term)) + term
    if isinstance(term, int):
        if 0 <= term < 256:
            return bytes([97, term])
        return bytes([98]) + struct.pack(">i", term)
    if isinstance(term, tuple):
        return bytes([104, len(term)]) + b"".join(encode(e) for e in term)
    if isinstance(term, list):
        if not term:
            return bytes([106])
        return bytes([108]) + struct.pack(">I", len(term)) + b"".join(encode(e) for e in term) + bytes([106])
    raise TypeError(f"cannot encode {term!r}")


class Atom(str):
    """An atom read back (a str subclass, so that replies compare with 'ok')."""


def decode(data, at=0):
    """(term, next offset) of the ETF term at `at`."""
    tag = data[at]
    at += 1
    if tag == 97:
        return data[at], at + 1
    if tag == 98:
        return struct.unpack_from(">i", data, at)[0], at + 4
    if tag in (119, 115):
        n = data[at]
        return Atom(data[at + 1 : at + 1 + n].decode()), at + 1 + n
    if tag in (118, 100):
        n = struct.unpack_from(">H", data, at)[0]
        return Atom(data[at + 2 : at + 2 + n].decode()), at + 2 + n
    if tag == 109:
        n = struct.unpack_from(">I", data, at)[0]
        return bytes(data[at + 4 : at + 4 + n]), at + 4 + n
    if tag == 107:
        n = struct.unpack_from(">H", data, at)[0]
        return list(data[at + 2 : at + 2 + n]), at + 2 + n
    if tag in (104, 105):
        if tag == 104:
            n, at = data[at], at + 1
        else:
            n, at = struct.unpack_from(">I", data, at)[0], at + 4
        items = []
        for _ in range(n):
            item, at = decode(data, at)
            items.append(item)
        return tuple(items), at
    if tag == 106:
        return [], at
    if tag == 108:
        n = struct.unpack_from(">I", data, at)[0]
        at += 4
        items = []
        for _ in range(n):
            item, at = decode(data, at)
            items.append(item)
        _, at = decode(data, at)  # the tail, [] for a proper list
        return items, at
    if tag == 116:
        n = struct.unpack_from(">I", data, at)[0]
        at += 4
        pairs = {}
        for _ in range(n):
            key, at = decode(data, at)
            value, at = decode(data, at)
            pairs[repr(key)] = value
        return pairs, at
    if tag == 110:
        n, sign = data[at], data[at + 1]
        value = int.from_bytes(data[at + 2 : at + 2 + n], "little")
        return (-value if sign else value), at + 2 + n
    raise ValueError(f"ETF tag {tag} not handled by the fleet's load client")


def decode_message(data):
    if data[0] != 131:
        raise ValueError(f"not ETF: version byte {data[0]}")
    if data[1] == 80:
        return decode(zlib.decompress(data[6:]))[0]
    return decode(data, 1)[0]


# MARK: - The control socket


def recv_exactly(conn, n):
    chunks = []
    while n:
        chunk = conn.recv(n)
        if not chunk:
            raise ConnectionError("the node closed the connection")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def rpc(path, request, timeout_ms=5000):
    """The node's reply to `{rpc, [kv, request, timeout_ms]}`; raises on an error reply."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.settimeout(timeout_ms / 1000 + 2)
    try:
        conn.connect(path)
        payload = bytes([131]) + encode(("rpc", [Atom("kv"), request, timeout_ms]))
        conn.sendall(struct.pack(">I", len(payload)) + payload)
        size = struct.unpack(">I", recv_exactly(conn, 4))[0]
        reply = decode_message(recv_exactly(conn, size))
    finally:
        conn.close()
    if isinstance(reply, tuple) and len(reply) == 2 and reply[0] == "ok":
        return reply[1]
    raise RuntimeError(f"error reply {reply!r}")


def main():
    path, stop, out = sys.argv[1:4]
    interval = float(sys.argv[4]) if len(sys.argv) > 4 else 0.01
    calls = failures = 0
    errors = []
    acked = []
    slowest = 0.0

    def call(request, expected):
        nonlocal calls, failures, slowest
        calls += 1
        started = time.monotonic()
        try:
            reply = rpc(path, request)
            ok = reply == expected
            if not ok:
                problem = f"{request!r} -> {reply!r}, expected {expected!r}"
        except Exception as error:  # a refused connection, a timeout, an error reply
            ok = False
            problem = f"{request!r}: {error}"
        slowest = max(slowest, time.monotonic() - started)
        if not ok:
            failures += 1
            if len(errors) < 10:
                errors.append(f"{time.strftime('%H:%M:%S')} {problem}")
        return ok

    n = 0
    while not os.path.exists(stop):
        n += 1
        if call(("put", f"load-{n}".encode(), n), "ok"):
            acked.append(n)
        if n % 10 == 0 and acked:
            earlier = acked[len(acked) // 2]
            call(("get", f"load-{earlier}".encode(), "nil"), earlier)
        time.sleep(interval)
    during = {"calls": calls, "failures": failures, "slowest_ms": round(slowest * 1000, 1)}
    missing = [k for k in acked if not call(("get", f"load-{k}".encode(), "nil"), k)]
    report = {
        "calls": calls,
        "failures": failures,
        "errors": errors,
        "acknowledged": len(acked),
        "missing": len(missing),
        "during_load": during,
    }
    with open(out + ".tmp", "w") as file:
        json.dump(report, file)
    os.rename(out + ".tmp", out)


if __name__ == "__main__":
    main()
