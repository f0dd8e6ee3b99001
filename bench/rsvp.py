"""RSVP throughput and latency of the events service on a real SQLite file (README "bench").

    python bench/rsvp.py            # 1, 50 and 500 concurrent members, capacity 50
    python bench/rsvp.py --clicks 20
    python bench/rsvp.py --database postgresql              # a throw-away local PostgreSQL (Debian's binaries)
    python bench/rsvp.py --database postgresql://u:p@host/db  # an empty database of yours

Each simulated member clicks Going / Can't go / Maybe in turn, one click after the other, so that the
waitlist keeps moving (promotions included); ``concurrency`` members do that at the same time on ONE
event. "rush" is the issue's scenario: 500 members press Going at the same instant (one gather);
"rush with guests" is the same on a 50-place occurrence of a weekly series, with up to 2 guests each: it
must end exactly at capacity, with the parties that fit, in click order (a party that does not fit whole is
waitlisted whole, see bot/rsvp.py). Run it on two cores with ``taskset -c 0,1 python bench/rsvp.py``.
Latency is measured around each ``EventService.rsvp`` call, from the caller's side.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from machine import cpu_model, pct

from bot.clock import FakeClock
from bot.events import EventService
from bot.storage import Database

CHOICES = ("going", "no", "maybe")


async def new_event(service: EventService, capacity: int, max_guests: int = 0) -> int:
    summary = await service.create_event(1, created_by=1, channel_id=1, title="Bench night",
                                         start="2026-12-05 18:30", end="2h", capacity=capacity, max_guests=max_guests)
    return summary.event.id


async def run_level(service: EventService, concurrency: int, clicks: int, capacity: int) -> dict[str, float]:
    event_id = await new_event(service, capacity)
    latencies: list[float] = []

    async def member(user_id: int) -> None:
        for i in range(clicks):
            t0 = time.perf_counter()
            await service.rsvp(1, event_id, user_id, CHOICES[i % 3])
            latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    await asyncio.gather(*(member(10_000 + u) for u in range(concurrency)))
    elapsed = time.perf_counter() - t0
    return {"ops": len(latencies), "per_s": len(latencies) / elapsed, "p50": pct(latencies, 0.5) * 1000,
            "p99": pct(latencies, 0.99) * 1000}


async def run_rush(service: EventService, members: int, capacity: int) -> dict[str, float]:
    event_id = await new_event(service, capacity)
    latencies: list[float] = []

    async def press(user_id: int) -> str:
        t0 = time.perf_counter()
        result = await service.rsvp(1, event_id, user_id, "going")
        latencies.append(time.perf_counter() - t0)
        return result.status

    t0 = time.perf_counter()
    statuses = await asyncio.gather(*(press(20_000 + u) for u in range(members)))
    elapsed = time.perf_counter() - t0
    assert statuses.count("going") == capacity and statuses.count("waitlist") == members - capacity
    return {"ops": members, "per_s": members / elapsed, "p50": pct(latencies, 0.5) * 1000,
            "p99": pct(latencies, 0.99) * 1000}


def first_fit(parties: list[tuple[int, int]], capacity: int) -> list[int]:
    """Who should be going after these (member, guests) clicks, in order: each party that fits whole."""
    taken, going = 0, []
    for user_id, guests in parties:
        if taken + 1 + guests <= capacity:
            taken += 1 + guests
            going.append(user_id)
    return going


async def new_occurrence(service: EventService, capacity: int, max_guests: int) -> int:
    """The next occurrence of a weekly series, posted ahead as the bot's loop posts it."""
    await service.series.create(1, created_by=1, channel_id=1, title="Weekly class", start="2026-11-26 18:30",
                                end="2h", pattern="weekly", count=10, capacity=capacity, max_guests=max_guests)
    [first, *_] = await service.series.materialize()
    assert first.series_id is not None and first.capacity == capacity
    return first.id


async def run_guest_rush(service: EventService, members: int, capacity: int) -> dict[str, float]:
    event_id = await new_occurrence(service, capacity, max_guests=2)
    parties = [(30_000 + u, (u * 7) % 3) for u in range(members)]  # 0, 1 or 2 guests, mixed
    latencies: list[float] = []

    async def press(user_id: int, guests: int) -> None:
        t0 = time.perf_counter()
        await service.rsvp(1, event_id, user_id, "going", guests=guests)
        latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    await asyncio.gather(*(press(u, g) for u, g in parties))
    elapsed = time.perf_counter() - t0
    summary = await service.summary(1, event_id)
    going = [r.user_id for r in (await service.attendees(1, event_id)).going]
    assert summary.taken == capacity and going == first_fit(parties, capacity), "guests rush not exact"
    return {"ops": members, "per_s": members / elapsed, "p50": pct(latencies, 0.5) * 1000,
            "p99": pct(latencies, 0.99) * 1000}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=10, help="clicks per member per level")
    parser.add_argument("--capacity", type=int, default=50)
    parser.add_argument("--database", default="sqlite",
                        help="sqlite (a temp file, the default), postgresql (a throw-away local server) or a "
                             "postgresql:// URL")
    args = parser.parse_args()
    server = None
    if args.database == "postgresql":
        from tests.postgres import PostgresServer

        server = PostgresServer()
        url = server.start()
        engine = f"PostgreSQL {server.bin.parent.name} on 127.0.0.1 (throw-away, fsync off)"
    elif args.database.startswith("postgresql://"):
        url, engine = args.database, "PostgreSQL (given URL)"
    else:
        url, engine = "", "SQLite file (WAL)"
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"machine: nproc={os.cpu_count()}, CPUs this process may use={cpus}, CPU={cpu_model()}, "
          f"Python {platform.python_version()}, {engine}, capacity {args.capacity}")
    print(f"{'scenario':<24}{'RSVPs':>8}{'RSVPs/s':>10}{'p50 ms':>9}{'p99 ms':>9}")
    try:
        rows = await bench(url, args)
    finally:
        if server is not None:
            server.stop()
    for name, r in rows:
        print(f"{name:<24}{r['ops']:>8.0f}{r['per_s']:>10.0f}{r['p50']:>9.2f}{r['p99']:>9.2f}")
    print(f"median of per-level RSVPs/s: {statistics.median(r['per_s'] for _, r in rows):.0f}")


async def bench(url: str, args: argparse.Namespace) -> list[tuple[str, dict[str, float]]]:
    with tempfile.TemporaryDirectory() as tmp:
        async with Database(url or Path(tmp) / "bench.sqlite3") as db:
            service = EventService(db, clock=FakeClock())
            await run_level(service, 10, 5, args.capacity)  # warm-up
            rows = [(f"{c} concurrent", await run_level(service, c, args.clicks, args.capacity))
                    for c in (1, 50, 500)]
            rows.append(("rush: 500 press Going", await run_rush(service, 500, args.capacity)))
            rows.append(("rush with guests", await run_guest_rush(service, 500, args.capacity)))
    return rows


if __name__ == "__main__":
    asyncio.run(main())
