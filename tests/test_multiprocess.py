"""Several bot processes on one database (real OS processes, tests/multiproc_worker.py): RSVPs stay atomic
against capacity, and every reminder is sent by one process only, also when a process is killed mid-way."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path

from bot.clock import FakeClock
from bot.events import EventService
from bot.reminders import CLAIM_TTL
from bot.storage import Database
from tests.test_events_service import G1, make

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Worker:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls, *args: str) -> Worker:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.multiproc_worker", *args, cwd=PROJECT_ROOT,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
        worker = cls(proc)
        assert await worker.line() == "ready"
        return worker

    async def line(self) -> str:
        assert self.proc.stdout is not None
        raw = await asyncio.wait_for(self.proc.stdout.readline(), 60)
        if not raw:
            assert self.proc.stderr is not None
            raise AssertionError((await self.proc.stderr.read()).decode()[-3000:])
        return raw.decode().strip()

    async def result(self) -> dict:
        out = json.loads(await self.line())
        assert await asyncio.wait_for(self.proc.wait(), 60) == 0
        return out


async def _together(*argsets: list[str]) -> list[Worker]:
    """Start the processes, wait until each has opened the database, then let them go at once."""
    workers = [await Worker.start(*args) for args in argsets]
    for w in workers:
        assert w.proc.stdin is not None
        w.proc.stdin.write(b"go\n")
        await w.proc.stdin.drain()
    return workers


async def test_two_processes_never_overbook_and_each_member_has_one_place(db: Database, clock: FakeClock,
                                                                          tmp_path: Path) -> None:
    service = EventService(db, clock=clock)
    event_id = await make(service, capacity=50)
    target = str(db.location)
    a, b = await _together(["rsvp", target, clock.now.isoformat(), str(G1), str(event_id), "1000", "150"],
                           ["rsvp", target, clock.now.isoformat(), str(G1), str(event_id), "5000", "150"])
    told = {int(u): s for w in (a, b) for u, s in (await w.result())["statuses"].items()}
    att = await service.attendees(G1, event_id)
    assert len(att.going) == 50 and (await service.summary(G1, event_id)).taken == 50
    assert len(att.waitlist) == 250
    assert {r.user_id for r in att.going} == {u for u, s in told.items() if s == "going"}  # what each was told
    rows = await db.events.rsvps(G1, event_id)
    assert len(rows) == 300 and len({r.seq for r in rows}) == 300  # one row each, one place in the order each
    # The waitlist is in the order the clicks were applied: each process's own clicks keep their order.
    for first in (1000, 5000):
        mine = [r.user_id for r in att.waitlist if first <= r.user_id < first + 150]
        assert mine == sorted(mine)


async def test_reminders_go_out_once_across_processes_and_a_killed_process_claims_expire(
        db: Database, clock: FakeClock, tmp_path: Path) -> None:
    service = EventService(db, clock=clock)
    start = clock.now + timedelta(hours=2)
    event_id = await make(service, start=start.strftime("%Y-%m-%d %H:%M"))
    members = list(range(100, 400))
    for u in members:
        await service.rsvp(G1, event_id, u, "going")
    target = str(db.location)
    at = start - timedelta(minutes=45)  # the 24 h and the 1 h reminders are both due: one message each

    # Two processes, same moment: each reminder is claimed and sent by one of them.
    a, b = await _together(["remind", target, at.isoformat(), "-1"], ["remind", target, at.isoformat(), "-1"])
    first, second = await a.result(), await b.result()
    assert sorted(first["sent"] + second["sent"]) == members
    assert not set(first["sent"]) & set(second["sent"])
    assert await EventService(db, clock=FakeClock(at)).due_reminders() == []  # all sent, nothing left to claim

    # A second event: a process claims its reminders, sends 120 and is killed (SIGKILL) holding the rest.
    event2 = await make(service, start=start.strftime("%Y-%m-%d %H:%M"), title="Second")
    for u in members:
        await service.rsvp(G1, event2, u, "going")
    (killed,) = await _together(["remind", target, at.isoformat(), "120"])
    partial = json.loads(await killed.line())
    killed.proc.send_signal(signal.SIGKILL)
    await killed.proc.wait()
    assert len(partial["sent"]) == 120 and partial["claimed"] == 300
    # Within the claim's lifetime nobody else sends them; after it, another process sends each remaining one once.
    (early,) = await _together(["remind", target, (at + CLAIM_TTL / 2).isoformat(), "-1"])
    assert (await early.result())["sent"] == []
    (late,) = await _together(["remind", target, (at + CLAIM_TTL).isoformat(), "-1"])
    rest = (await late.result())["sent"]
    assert sorted(partial["sent"] + rest) == members and not set(partial["sent"]) & set(rest)
