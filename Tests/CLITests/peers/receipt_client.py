#!/usr/bin/env python3
"""A plain Upbit WebSocket client of `ticktape relay`: subscribes once and appends every market
message it receives to a JSONL receipt log, exactly as received, for `check --deliveries`.

It applies nothing itself: the relay's rules are what it trusts. `--slow-ms` makes it a slow
consumer (it sleeps after each message, with a small socket receive buffer and a small
websockets queue, so the relay's queue for it fills instead of the kernel's). It stops when the
relay closes the connection, or after `--seconds`. Every wait is bounded.

Usage:
  receipt_client.py URL --log received.jsonl --types ticker,trade,orderbook --codes KRW-BTC,KRW-ETH
      [--format DEFAULT|SIMPLE] [--slow-ms N] [--seconds S]
"""
import argparse
import asyncio
import json
import socket
import time
import urllib.parse

import websockets


async def run(args):
    request = [{"ticket": "receipt"}]
    for kind in args.types.split(","):
        request.append({"type": kind, "codes": args.codes.split(",")})
    request.append({"format": args.format})
    parsed = urllib.parse.urlparse(args.url)
    sock = None
    if args.slow_ms > 0:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(10)
        sock.connect((parsed.hostname, parsed.port))
        sock.setblocking(False)
    options = {"max_size": None, "open_timeout": 10, "ping_interval": None}
    if args.slow_ms > 0:
        options["max_queue"] = 4
    deadline = time.monotonic() + args.seconds
    count = 0
    with open(args.log, "w", encoding="utf-8") as log:
        async with websockets.connect(args.url, sock=sock, **options) as ws:
            await ws.send(json.dumps(request))
            while time.monotonic() < deadline:
                try:
                    message = await asyncio.wait_for(ws.recv(), timeout=max(0.1, deadline - time.monotonic()))
                except (asyncio.TimeoutError, websockets.ConnectionClosed):
                    break
                text = message.decode("utf-8") if isinstance(message, bytes) else message
                if '"status"' in text[:12] or '"error"' in text[:12]:
                    continue
                log.write(text + "\n")
                count += 1
                if args.slow_ms > 0:
                    await asyncio.sleep(args.slow_ms / 1000)
    print(json.dumps({"received": count}), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--log", required=True)
    parser.add_argument("--types", default="ticker,trade,orderbook")
    parser.add_argument("--codes", required=True)
    parser.add_argument("--format", default="DEFAULT")
    parser.add_argument("--slow-ms", type=float, default=0)
    parser.add_argument("--seconds", type=float, default=60)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
