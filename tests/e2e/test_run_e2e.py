"""``jetbot run`` as a subprocess against the fake: log in, sync only when changed, stop cleanly on a
signal, and a rejected token is one line without a traceback or the token."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.fakediscord import FakeDiscord

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WAIT = 30.0  # generous: CI machines are slow and shared


def bot_env(fake: FakeDiscord, db: Path, token: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "JETBOT_"))}
    env.update(DISCORD_TOKEN=token, DISCORD_APPLICATION_ID=str(fake.application_id), JETBOT_DB=str(db),
               JETBOT_DISCORD_API_BASE=fake.api_base, JETBOT_DISCORD_GATEWAY=fake.gateway_url,
               JETBOT_LOG_LEVEL="INFO", PYTHONPATH=str(PROJECT_ROOT), PYTHONUNBUFFERED="1")
    return env


async def start(fake: FakeDiscord, db: Path, cwd: Path, token: str | None = None) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=cwd,  # cwd: no stray .env is read
        env=bot_env(fake, db, token or fake.token),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def finish(proc: asyncio.subprocess.Process) -> tuple[int, str]:
    try:
        out, err = await asyncio.wait_for(proc.communicate(), WAIT)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AssertionError("jetbot run did not exit") from None
    return proc.returncode, (out + err).decode()


async def run_until_connected_then(fake: FakeDiscord, db: Path, cwd: Path, sig: signal.Signals) -> tuple[int, str]:
    before = len(fake.identifies)
    proc = await start(fake, db, cwd)
    try:
        await fake.wait_until(lambda: len(fake.identifies) > before and fake.connected, WAIT,
                              "jetbot run to connect to the gateway")
    except AssertionError:
        proc.kill()
        _, output = await finish(proc)
        raise AssertionError(f"jetbot run did not connect:\n{output}") from None
    proc.send_signal(sig)
    return await finish(proc)


async def test_run_logs_in_syncs_once_and_stops_cleanly_on_signals(fake_discord, tmp_path):
    db = tmp_path / "jetbot.sqlite3"

    code, output = await run_until_connected_then(fake_discord, db, tmp_path, signal.SIGINT)
    assert code == 0, output
    assert "database closed" in output
    assert "Traceback" not in output
    assert fake_discord.token not in output
    assert len(fake_discord.command_syncs) == 1
    assert "ask" in {c["name"] for c in fake_discord.commands[None]}

    code, output = await run_until_connected_then(fake_discord, db, tmp_path, signal.SIGTERM)
    assert code == 0, output
    assert "database closed" in output
    assert "unchanged since last sync" in output
    assert len(fake_discord.command_syncs) == 1, "the same commands were synced again"
    assert not fake_discord.unknown_routes


@pytest.mark.parametrize("token", ["a-token-discord-rejects"])
async def test_rejected_token_is_one_line_and_exit_1(fake_discord, tmp_path, token):
    proc = await start(fake_discord, tmp_path / "jetbot.sqlite3", tmp_path, token=token)
    code, output = await finish(proc)
    assert code == 1
    assert "Discord rejected the token" in output
    assert "Traceback" not in output
    assert token not in output
    assert not fake_discord.identifies  # it never reached the gateway
