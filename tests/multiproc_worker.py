"""A bot process's storage work, run as a separate OS process by tests/test_multiprocess.py.

    python -m tests.multiproc_worker rsvp   DATABASE NOW GUILD EVENT FIRST_USER COUNT
    python -m tests.multiproc_worker remind DATABASE NOW SEND_THEN_HANG

Each prints "ready", waits for a line on stdin (so that the processes start together), does its work and prints one
JSON line. ``remind`` claims the due reminders, "sends" them (prints the user ids) and marks them sent; with
SEND_THEN_HANG = n it marks only the first n, prints, and hangs until killed (a process killed mid-way).
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime
from pathlib import Path

from bot.clock import FakeClock
from bot.events import EventService
from bot.storage import Database


def _target(raw: str) -> str | Path:
    return raw if raw.startswith("postgresql://") else Path(raw)


async def rsvp(db: Database, clock: FakeClock, guild_id: int, event_id: int, first: int, count: int) -> dict:
    service = EventService(db, clock=clock)
    statuses: dict[int, str] = {}
    for wave in range(0, count, 25):  # several batches, interleaving with the other process's
        users = range(first + wave, first + min(wave + 25, count))
        results = await asyncio.gather(*(service.rsvp(guild_id, event_id, u, "going") for u in users))
        statuses.update({u: r.status for u, r in zip(users, results, strict=True)})
        await asyncio.sleep(0.001)
    return {"statuses": statuses}


async def remind(db: Database, clock: FakeClock, send_then_hang: int) -> dict:
    service = EventService(db, clock=clock)
    due = await service.due_reminders()
    sent: list[int] = []
    for reminder in due:
        if send_then_hang >= 0 and len(sent) == send_then_hang:
            print(json.dumps({"sent": sent, "claimed": len(due)}), flush=True)
            await asyncio.sleep(3600)  # killed here, holding claims on the rest
        sent.append(reminder.user_id)
        await service.mark_reminder_sent(reminder)
    return {"sent": sent, "claimed": len(due)}


async def main(argv: list[str]) -> None:
    mode, target, now = argv[:3]
    clock = FakeClock(datetime.fromisoformat(now))
    async with Database(_target(target)) as db:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        if mode == "rsvp":
            guild_id, event_id, first, count = (int(x) for x in argv[3:7])
            out = await rsvp(db, clock, guild_id, event_id, first, count)
        else:
            out = await remind(db, clock, int(argv[3]))
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
