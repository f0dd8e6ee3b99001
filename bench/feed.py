"""Calendar feed latency over real HTTP on 127.0.0.1 (README "bench", "Calendar feed").

    python bench/feed.py                 # 200 events, 400 requests per scenario
    python bench/feed.py --events 1000 --requests 200 --json

A server with ``--events`` events (a tenth cancelled, a quarter in the last 90 days, the rest ahead, in
Europe/London) and ``--series`` recurring events (weekly, every two weeks, monthly on a weekday, monthly on
a date; each with its occurrences posted ahead, one skipped and one moved, so the feed carries RRULEs,
EXDATEs and overrides) on a real SQLite file, the web server started as the bot starts it, and an aiohttp
client in the same process fetching the feed. Latency is measured around each request, body read included.
The target is p99 < 50 ms on two cores: ``taskset -c 0,1 python bench/feed.py``.

Scenarios: "unchanged" (the usual poll: nothing changed since the last fetch), "changed" (one event
edited before every request, so the calendar is rebuilt each time), "304" (the client sends the ETag it
has), and "10 clients" (unchanged, ten at once).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from unittest.mock import MagicMock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from machine import cpu_model, pct

from bot.clock import FakeClock
from bot.config import Settings
from bot.knowledge import KnowledgeService
from bot.services import build_services
from bot.storage import Database
from bot.web import start_web

GUILD = 1


async def populate(services: object, clock: FakeClock, count: int) -> list[int]:
    """``count`` events: a quarter that will be in the past when the bench runs, the rest ahead."""
    events = services.events  # type: ignore[attr-defined]
    ids = []
    start = clock.now
    for i in range(count):
        when = start + timedelta(days=1 + (i * 400) // count, hours=i % 5)
        summary = await events.create_event(
            GUILD, created_by=10_000 + i, channel_id=5, title=f"Chapter event {i}: pub night & quiz",
            start=when.astimezone().strftime("%Y-%m-%d %H:%M"), end="2h30m", location=f"Venue {i % 17}, London",
            description="An evening with the chapter.\nBring a friend; first drink on us.", capacity=40,
        )
        ids.append(summary.event.id)
    for event_id in ids[::10]:
        await events.cancel_event(GUILD, event_id)
    clock.advance(days=100)  # the first quarter is now in the past, most of it within 90 days
    return ids


SERIES = (("weekly", 1, {"count": 52}), ("weekly", 2, {"count": 26}), ("monthly-weekday", 1, {"count": 12}),
          ("monthly-date", 1, {"until": "2028-12-31"}))


async def add_series(services: object, clock: FakeClock, count: int) -> int:
    """``count`` series starting next week, occurrences posted 60 days ahead, one skipped and one moved each;
    returns how many occurrences were posted."""
    events = services.events  # type: ignore[attr-defined]
    posted = 0
    for i in range(count):
        pattern, every, end = SERIES[i % len(SERIES)]
        start = (clock.now + timedelta(days=7 + i, hours=i)).strftime("%Y-%m-%d 19:00")
        series = await events.series.create(GUILD, created_by=20_000 + i, channel_id=5, title=f"Series {i}",
                                            start=start, end="2h", pattern=pattern, every=every, capacity=30,
                                            post_ahead_days=60, location="The usual place", **end)
        occurrences = await events.series.materialize(series=series)
        posted += len(occurrences)
        if len(occurrences) >= 2:
            await events.series.skip(GUILD, series.id, event_id=occurrences[0].id)
            await events.edit_event(GUILD, occurrences[1].id, location="Somewhere else, just this once")
    return posted


async def timed(http: aiohttp.ClientSession, url: str, headers: dict[str, str] | None = None) -> tuple[float, int]:
    t0 = time.perf_counter()
    async with http.get(url, headers=headers) as resp:
        await resp.read()
        status = resp.status
    return (time.perf_counter() - t0) * 1000, status


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--series", type=int, default=4)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        db = await Database(Path(tmp) / "bench.sqlite3").open()
        clock = FakeClock()
        os.environ.setdefault("TZ", "UTC")
        services = build_services(Settings(web_port=0), db, MagicMock(spec=KnowledgeService), clock)
        await db.settings.set_timezone(GUILD, "Europe/London")
        ids = await populate(services, clock, args.events)
        occurrences = await add_series(services, clock, args.series)
        web = await start_web(services, port=0)
        assert web is not None
        url = await web.feed.feed_link(GUILD, "Bench chapter")
        results: dict[str, dict[str, float]] = {}
        try:
            async with aiohttp.ClientSession() as http:
                _, status = await timed(http, url)
                assert status == 200
                async with http.get(url) as resp:
                    body = await resp.read()
                    etag = resp.headers["ETag"]
                shown = body.count(b"BEGIN:VEVENT")

                async def scenario(name: str, make: object, concurrency: int = 1) -> None:
                    latencies: list[float] = []
                    per_worker = args.requests // concurrency

                    async def worker() -> None:
                        for _ in range(per_worker):
                            ms, status = await make()  # type: ignore[operator]
                            assert status in (200, 304), status
                            latencies.append(ms)

                    t0 = time.perf_counter()
                    await asyncio.gather(*(worker() for _ in range(concurrency)))
                    wall = time.perf_counter() - t0
                    results[name] = {"requests": len(latencies), "per_s": len(latencies) / wall,
                                     "p50_ms": statistics.median(latencies), "p99_ms": pct(latencies, 0.99),
                                     "max_ms": max(latencies)}

                counter = {"n": 0}
                editable = [event_id for k, event_id in enumerate(ids) if k % 10 and k >= len(ids) // 2]

                async def changed() -> tuple[float, int]:
                    counter["n"] += 1
                    event_id = editable[counter["n"] % len(editable)]
                    await services.events.edit_event(GUILD, event_id, location=f"Moved venue {counter['n']}")
                    return await timed(http, url)

                await scenario("unchanged", lambda: timed(http, url))
                await scenario("changed", changed)
                await scenario("304", lambda: timed(http, url, {"If-None-Match": etag}))
                await scenario("10 clients", lambda: timed(http, url), concurrency=10)
        finally:
            await web.stop()
            await db.close()

    meta = {"events": args.events, "series": args.series, "occurrences": occurrences, "in_feed": shown,
            "feed_bytes": len(body), "cpus": os.cpu_count(),
            "usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
            "cpu": cpu_model(), "python": platform.python_version()}
    if args.json:
        print(json.dumps({"meta": meta, "results": results}, indent=2))
        return
    print(f"machine: {meta['cpus']} CPUs ({meta['usable']} usable here), {meta['cpu']}, Python {meta['python']}")
    print(f"{args.events} events and {args.series} series ({occurrences} occurrences posted) in the server, "
          f"{shown} VEVENTs in the feed ({len(body) / 1024:.0f} KiB)")
    print(f"{'scenario':<12} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, r in results.items():
        print(f"{name:<12} {r['requests']:>8.0f} {r['per_s']:>8.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} "
              f"{r['max_ms']:>8.2f}")


if __name__ == "__main__":
    asyncio.run(main())
