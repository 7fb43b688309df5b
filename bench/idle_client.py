#!/usr/bin/env python3
"""Opens N keep-alive HTTP/1.1 connections to 127.0.0.1:PORT, sends one GET on each, reads the
whole response and keeps the connection open and idle. Prints "ready OK FAILED" when all are
open, then holds them until stdin closes (or SIGTERM). Used by bench/idle.sh.

At most CONCURRENCY connections are being opened at a time, so the proxy needs only that many
server connections: what stays is the idle client side, which is what is measured.
Connections spread over source addresses 127.0.0.1..127.0.0.SOURCES so that no one source runs
out of ephemeral ports.
"""
import asyncio
import sys

port, n = int(sys.argv[1]), int(sys.argv[2])
concurrency = int(sys.argv[3]) if len(sys.argv) > 3 else 100
sources = int(sys.argv[4]) if len(sys.argv) > 4 else 4
REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: halb-idle\r\n\r\n"
held = []


async def one(i, gate, counts):
    async with gate:
        try:
            r, w = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", port, local_addr=("127.0.0.%d" % (1 + i % sources), 0)), 30)
            w.write(REQUEST)
            head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 30)
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if length:
                await asyncio.wait_for(r.readexactly(length), 30)
            if not head.startswith(b"HTTP/1.1 200"):
                raise OSError("status: " + head.split(b"\r\n", 1)[0].decode())
            held.append((r, w))
            counts[0] += 1
        except Exception as e:  # noqa: BLE001 - counted and reported
            counts[1] += 1
            if counts[1] <= 3:
                print("connection %d: %r" % (i, e), file=sys.stderr)


async def main():
    gate = asyncio.Semaphore(concurrency)
    counts = [0, 0]
    await asyncio.gather(*(one(i, gate, counts) for i in range(n)))
    print("ready %d %d" % (counts[0], counts[1]), flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # hold until stdin closes
    for _, w in held:
        w.close()


asyncio.run(main())
