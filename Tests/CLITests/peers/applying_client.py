#!/usr/bin/env python3
"""Two small Upbit clients for `check --deliveries`: each appends every message it *applies* to a
JSONL log, exactly as received, for ticktape to judge.

- naive: applies everything it receives (what most first clients do);
- careful: dedups by idempotency key (trade: code + sequential_id; others: the message without its
  stream type), never lets a state (ticker, orderbook) go back in time, drops a SNAPSHOT older than
  what it applied of its stream, and drops REALTIME events older than the SNAPSHOT it applied.

Both reconnect whenever the server closes them (as `serve --replay-disconnects` does at every
recorded epoch boundary) and resubscribe, getting fresh snapshots. They stop once the server's
`/status` says the replay finished and nothing arrived for `--idle` seconds. Every wait is bounded.

Usage:
  applying_client.py URL --mode naive|careful --log applied.jsonl
      [--types ticker,trade,orderbook] [--codes KRW-BTC,KRW-ETH] [--format DEFAULT|SIMPLE]
      [--halve-after N]   (from connection N+1 on, only the first half of the codes: a lost subscription)
"""
import argparse
import asyncio
import json
import sys
import time
import urllib.request

import websockets


def field(data, default_name, simple_key):
    """A member in either key spelling."""
    return data.get(simple_key, data.get(default_name))


class Careful:
    """The three guards a careful client keeps per stream (type, code)."""

    def __init__(self):
        self.seen = set()
        self.state_time = {}
        self.latest_time = {}
        self.snapshot_time = {}

    def identity(self, data):
        kind = field(data, "type", "ty")
        code = field(data, "code", "cd")
        if kind == "trade":
            return ("trade", code, field(data, "sequential_id", "sid"))
        rest = {k: v for k, v in data.items() if k not in ("stream_type", "st")}
        return (kind, code, json.dumps(rest, sort_keys=True))

    def applies(self, data):
        kind = field(data, "type", "ty")
        stream = (kind, field(data, "code", "cd"))
        time_ms = field(data, "timestamp", "tms")
        snapshot = field(data, "stream_type", "st") == "SNAPSHOT"
        identity = self.identity(data)
        if identity in self.seen:
            return False
        # A key once seen is done, even when the copy is refused below (as ticktape's rules
        # dedup before they judge time): a refused stale copy does not let a later one through.
        self.seen.add(identity)
        if not snapshot and time_ms < self.snapshot_time.get(stream, -1):
            return False
        if snapshot and time_ms < self.latest_time.get(stream, -1):
            return False
        if kind in ("ticker", "orderbook") and time_ms < self.state_time.get(stream, -1):
            return False
        self.latest_time[stream] = max(time_ms, self.latest_time.get(stream, -1))
        if snapshot:
            self.snapshot_time[stream] = max(time_ms, self.snapshot_time.get(stream, -1))
        if kind in ("ticker", "orderbook"):
            self.state_time[stream] = time_ms
        return True


def request(types, codes, form):
    data = [{"ticket": "applying-client"}]
    for t in types:
        data.append({"type": t, "codes": codes})
    data.append({"format": form})
    return json.dumps(data)


def finished(status_url):
    try:
        with urllib.request.urlopen(status_url, timeout=5) as response:
            return json.loads(response.read().decode("utf8")).get("finished", False)
    except OSError:
        return False


async def run(args):
    careful = Careful() if args.mode == "careful" else None
    status_url = args.url.replace("ws://", "http://").split("/websocket")[0] + "/status"
    stats = {"received": 0, "applied": 0, "connections": 0}
    deadline = time.monotonic() + args.timeout
    with open(args.log, "w", encoding="utf8") as log:
        while time.monotonic() < deadline:
            try:
                async with websockets.connect(args.url, ping_interval=None, open_timeout=10) as ws:
                    stats["connections"] += 1
                    codes = args.codes.split(",")
                    if args.halve_after and stats["connections"] > args.halve_after:
                        codes = codes[: len(codes) // 2]  # the reconnect bug: streams lost
                    await ws.send(request(args.types.split(","), codes, args.format))
                    while time.monotonic() < deadline:
                        try:
                            message = await asyncio.wait_for(ws.recv(), timeout=args.idle)
                        except asyncio.TimeoutError:
                            if finished(status_url):
                                print(json.dumps(stats))
                                return 0
                            continue
                        text = message.decode("utf8") if isinstance(message, bytes) else message
                        stats["received"] += 1
                        if careful is None or careful.applies(json.loads(text)):
                            log.write(text + "\n")
                            stats["applied"] += 1
            except (websockets.ConnectionClosed, OSError):
                await asyncio.sleep(0.05)
    print(json.dumps(stats))
    print("timed out", file=sys.stderr)
    return 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--mode", choices=["naive", "careful"], required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--types", default="ticker,trade,orderbook")
    parser.add_argument("--codes", default="KRW-BTC,KRW-ETH,KRW-XRP,KRW-SOL")
    parser.add_argument("--format", default="DEFAULT")
    parser.add_argument("--idle", type=float, default=0.5)
    parser.add_argument("--halve-after", type=int, default=0,
                        help="after this many connections, resubscribe to only the first half of the codes")
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
