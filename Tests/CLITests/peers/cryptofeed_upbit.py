#!/usr/bin/env python3
"""An unmodified cryptofeed Upbit feed pointed at a local ticktape (`simulate` or `serve`).

Only the feed's endpoints are changed, the way a test would patch them: the WebSocket
(`websocket_endpoints`) and the REST base (`rest_endpoints`, whose `/v1/market/all` cryptofeed
loads before it connects) both go to 127.0.0.1:PORT. One more check has to give way, in
cryptofeed's generic connection class and not in the Upbit feed: `WSAsyncConn` refuses any
address that is not `wss://`, and ticktape serves plain `ws://` on loopback. Everything else is
cryptofeed's own code: its symbol mapping from the REST market list, its subscription (SIMPLE
format, realtime only), its trade and book parsing.

    cryptofeed_upbit.py PORT --codes KRW-BTC,KRW-ETH [--trades 10] [--books 10] [--timeout 30]

Prints one JSON object: the symbols cryptofeed loaded over REST, the trades and book updates it
delivered per symbol, and a sample of each. Exits 0 once every code has at least --trades
trades and --books book updates, 1 on timeout (the JSON still printed), 2 on a usage error.
"""
import argparse
import asyncio
import json
import logging
import os
import sys

# Loopback only: no proxy, whatever the environment says.
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

import cryptofeed.feed  # noqa: E402
from cryptofeed import FeedHandler  # noqa: E402
from cryptofeed.connection import RestEndpoint, Routes, WebsocketEndpoint, WSAsyncConn  # noqa: E402
from cryptofeed.defines import L2_BOOK, TRADES  # noqa: E402
from cryptofeed.exchanges.upbit import Upbit  # noqa: E402


class LoopbackWSAsyncConn(WSAsyncConn):
    """cryptofeed's WebSocket connection, also for a plain ws:// address."""

    def __init__(self, address, *args, **kwargs):
        plain = address.startswith("ws://")
        super().__init__("wss://" + address[len("ws://"):] if plain else address, *args, **kwargs)
        self.address = address


cryptofeed.feed.WSAsyncConn = LoopbackWSAsyncConn


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--codes", required=True, help="Upbit codes, e.g. KRW-BTC,KRW-ETH")
    parser.add_argument("--trades", type=int, default=10)
    parser.add_argument("--books", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)

    class LocalUpbit(Upbit):
        websocket_endpoints = [WebsocketEndpoint(f"ws://127.0.0.1:{args.port}/websocket/v1")]
        rest_endpoints = [RestEndpoint(f"http://127.0.0.1:{args.port}", routes=Routes("/v1/market/all"))]

    # cryptofeed's symbols are BASE-QUOTE: KRW-BTC is BTC-KRW.
    symbols = ["-".join(reversed(code.split("-", 1))) for code in args.codes.split(",")]
    trades = {symbol: 0 for symbol in symbols}
    books = {symbol: 0 for symbol in symbols}
    report = {"trades": trades, "books": books, "trade_sample": None, "book_sample": None}
    done = asyncio.Event()

    def check():
        if all(trades[s] >= args.trades and books[s] >= args.books for s in symbols):
            done.set()

    async def on_trade(trade, receipt_timestamp):
        trades[trade.symbol] = trades.get(trade.symbol, 0) + 1
        if report["trade_sample"] is None:
            report["trade_sample"] = {
                "symbol": trade.symbol, "side": trade.side, "price": str(trade.price),
                "amount": str(trade.amount), "id": trade.id, "timestamp": trade.timestamp,
            }
        check()

    async def on_book(book, receipt_timestamp):
        books[book.symbol] = books.get(book.symbol, 0) + 1
        bids, asks = book.book.bids, book.book.asks
        if len(bids) and len(asks):
            best_bid, best_ask = bids.index(0)[0], asks.index(0)[0]
            if report["book_sample"] is None:
                report["book_sample"] = {
                    "symbol": book.symbol, "bids": len(bids), "asks": len(asks),
                    "best_bid": str(best_bid), "best_ask": str(best_ask),
                }
            if best_bid >= best_ask:
                report["crossed"] = report.get("crossed", 0) + 1
        check()

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    config = {"uvloop": False, "log": {"disabled": True}}
    handler = FeedHandler(config=config)
    # Constructing the feed loads the symbols: GET /v1/market/all over REST.
    feed = LocalUpbit(
        config=config, symbols=symbols, channels=[TRADES, L2_BOOK],
        callbacks={TRADES: on_trade, L2_BOOK: on_book},
    )
    report["symbols_loaded"] = sorted(LocalUpbit.symbols())
    handler.add_feed(feed)
    handler.run(start_loop=False, install_signal_handlers=False)
    reached = True
    try:
        loop.run_until_complete(asyncio.wait_for(done.wait(), args.timeout))
    except (asyncio.TimeoutError, TimeoutError):
        reached = False
        print(f"timed out after {args.timeout} s", file=sys.stderr)
    handler.stop(loop=loop)
    report["reached"] = reached
    print(json.dumps(report, sort_keys=True))
    return 0 if reached else 1


if __name__ == "__main__":
    sys.exit(main())
