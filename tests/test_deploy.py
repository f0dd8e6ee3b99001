"""deploy/: the systemd units, the Dockerfile and the compose file.

The units are checked with ``systemd-analyze verify`` and ``systemd-analyze security`` where systemd's
tools are installed, and their content is checked everywhere. These machines cannot pull base images, so
no image is built here: instead everything the image and the units run (their commands, environment,
working directory, health check and stop signal) is run in this plain virtual environment against the
fake Discord, with a temporary folder standing in for the volume or the state directory.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.client import SHUTDOWN_GRACE
from tests.fakediscord import FakeDiscord

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SMALL = ROOT / "tests" / "data" / "kb_small"
CODE_DIR = "/opt/jetbot"  # where the units expect the checkout and its .venv
STATE_DIR = "/var/lib/jetbot"
WAIT = 30.0
# The bot's stop takes up to SHUTDOWN_GRACE for clicks in flight and as long again for background work,
# then closes Discord and the database; a service manager must wait longer than that before SIGKILL.
STOP_BOUND = 2 * SHUTDOWN_GRACE + 5


# -- reading the files ------------------------------------------------------------------------------
def read_unit(path: Path) -> dict[str, list[tuple[str, str]]]:
    """A systemd unit as {section: [(key, value), ...]} (keys may repeat, as systemd allows)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), [])
            continue
        assert current is not None, f"{path.name}: {line!r} outside a section"
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: {line!r} is not key=value"
        current.append((key.strip(), value.strip()))
    return sections


def one(unit: dict[str, list[tuple[str, str]]], section: str, key: str) -> str:
    values = [v for k, v in unit.get(section, []) if k == key]
    assert len(values) == 1, f"[{section}] {key}: expected one value, found {values}"
    return values[0]


def seconds(value: str) -> float:
    """systemd / compose durations: 30, 30s, 1min 30s, 1m30s."""
    units = {"": 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]*)", value)
    assert parts, value
    return sum(float(n) * units[u] for n, u in parts)


def unit_environment(unit: dict[str, list[tuple[str, str]]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for key, value in unit["Service"]:
        if key == "Environment":
            env.update(item.split("=", 1) for item in shlex.split(value))
    return env


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in (DEPLOY / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        instruction, _, args = line.partition(" ")
        out.append((instruction.upper(), args.strip()))
    return out


def docker_values(name: str) -> list[str]:
    return [args for instruction, args in dockerfile() if instruction == name]


def docker_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for args in docker_values("ENV"):
        env.update(item.split("=", 1) for item in shlex.split(args))
    return env


def exec_form(args: str) -> list[str]:
    """A JSON-array CMD (exec form: no shell, so the bot is PID 1 and gets the stop signal itself)."""
    assert args.startswith("["), f"use the exec form, not a shell string: {args}"
    value = yaml.safe_load(args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value)
    return value


def compose() -> dict[str, Any]:
    data = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert isinstance(data, dict)
    return data


def healthcheck_cmd() -> list[str]:
    [args] = docker_values("HEALTHCHECK")
    return exec_form(args.split(" CMD ", 1)[1])


# -- the systemd units ------------------------------------------------------------------------------
def test_service_unit_is_a_hardened_restarting_service_that_stops_cleanly() -> None:
    unit = read_unit(DEPLOY / "jetbot.service")
    svc = "Service"
    user = dict(unit[svc]).get("User")
    assert one(unit, svc, "DynamicUser") == "yes" if user is None else user not in ("root", "0")
    state = one(unit, svc, "StateDirectory")
    assert one(unit, svc, "WorkingDirectory") == f"/var/lib/{state}" == STATE_DIR  # where .env and data/ live
    assert one(unit, svc, "ExecStart") == f"{CODE_DIR}/.venv/bin/jetbot run"
    assert one(unit, svc, "Restart") == "on-failure"
    assert one(unit, svc, "KillSignal") == "SIGTERM"
    assert seconds(one(unit, svc, "TimeoutStopSec")) >= STOP_BOUND
    assert one(unit, svc, "RestartPreventExitStatus") == "2"  # a settings error: see the test below
    for key, value in [("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("ProtectHome", "yes"),
                       ("PrivateTmp", "yes"), ("CapabilityBoundingSet", "")]:
        assert one(unit, svc, key) == value, key
    assert "network-online.target" in one(unit, "Unit", "After")
    assert one(unit, "Install", "WantedBy") == "multi-user.target"


def test_settings_errors_exit_2_which_the_unit_does_not_retry(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "JETBOT_"))}
    env.update(PYTHONPATH=str(ROOT), JETBOT_LOG_FORMAT="xml")
    result = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "JETBOT_LOG_FORMAT" in result.stderr


def test_backup_timer_runs_the_backup_service_daily() -> None:
    service = read_unit(DEPLOY / "jetbot-backup.service")
    timer = read_unit(DEPLOY / "jetbot-backup.timer")
    main = read_unit(DEPLOY / "jetbot.service")
    assert one(service, "Service", "Type") == "oneshot"
    for key in ("User", "WorkingDirectory", "StateDirectory"):  # the same user, folder and settings as the bot
        assert one(service, "Service", key) == one(main, "Service", key), key
    assert one(service, "Service", "ExecStart") == f"{CODE_DIR}/.venv/bin/jetbot backup backups/"
    assert one(timer, "Timer", "OnCalendar") == "daily" and one(timer, "Timer", "Persistent") == "true"


def _units_for_this_machine(tmp_path: Path) -> list[Path]:
    """The units with the checkout's path replaced by this one's (verify checks ExecStart exists)."""
    bin_dir = Path(sys.executable).parent
    assert (bin_dir / "jetbot").exists(), "the test environment has no jetbot script"
    out = []
    for name in ("jetbot.service", "jetbot-backup.service", "jetbot-backup.timer"):
        text = (DEPLOY / name).read_text().replace(f"{CODE_DIR}/.venv/bin/", f"{bin_dir}/")
        (tmp_path / name).write_text(text)
        out.append(tmp_path / name)
    return out


def test_units_pass_systemd_analyze(tmp_path: Path) -> None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed here; the units' content is checked by the tests above")
    units = _units_for_this_machine(tmp_path)
    verify = subprocess.run([tool, "verify", *map(str, units)], capture_output=True, text=True, timeout=120)
    # verify exits 0 on unknown keys and only warns: any output at all is a mistake in a unit.
    assert verify.returncode == 0 and not (verify.stdout + verify.stderr).strip(), verify.stdout + verify.stderr
    security = subprocess.run([tool, "security", "--offline=true", "--threshold=20", str(units[0])],
                              capture_output=True, text=True, timeout=120)
    assert security.returncode == 0, security.stdout[-2000:]  # exposure 2.0 or better ("OK")


# -- the image ------------------------------------------------------------------------------------
def test_image_runs_as_a_user_with_its_state_in_a_volume() -> None:
    [user] = docker_values("USER")
    assert user not in ("root", "0")
    workdir = docker_values("WORKDIR")[-1]  # the working directory the bot starts in (.env, relative paths)
    volumes = [v for args in docker_values("VOLUME") for v in exec_form(args)]
    assert workdir in volumes
    env = docker_env()
    assert Path(env["JETBOT_DB"]).parent == Path(workdir)
    assert exec_form(docker_values("CMD")[-1]) == ["jetbot", "run"]
    assert docker_values("STOPSIGNAL") == ["SIGTERM"]
    assert healthcheck_cmd() == ["jetbot", "health"]
    for args in docker_values("COPY"):  # everything copied exists, and the build context lets it through
        *sources, _ = args.split()
        for source in sources:
            assert (ROOT / source).exists(), source
    allowed = (DEPLOY / "Dockerfile.dockerignore").read_text()
    for args in docker_values("COPY"):
        for source in args.split()[:-1]:
            assert f"!{source.rstrip('/')}" in allowed, f"{source} is excluded from the build context"


def test_compose_builds_this_image_with_volumes_limits_and_a_grace_period() -> None:
    data = compose()
    [service] = data["services"].values()
    build = service["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    assert str(service["user"]).split(":")[0] not in ("root", "0")
    mounts = {}
    for mount in service["volumes"]:
        source, target, *_ = re.sub(r"\$\{[^}]*\}", "SITE", mount).split(":")  # ${JETBOT_SITE:-/srv/jetbot}
        mounts[target] = source
    assert mounts["/data"] in data["volumes"]  # the database in a named volume
    assert "/knowledge" in mounts  # the chapter's own knowledge folder, outside the checkout
    env = service["environment"]
    assert env["JETBOT_DB"] == docker_env()["JETBOT_DB"]
    assert str(env["JETBOT_WEB_PORT"]) == docker_env()["JETBOT_WEB_PORT"]
    for port in service["ports"]:
        assert port.startswith("127.0.0.1:"), "the web server must not be published to the world"
    assert service["healthcheck"]["test"] == ["CMD", *healthcheck_cmd()]
    assert service["stop_signal"] == "SIGTERM"
    assert seconds(service["stop_grace_period"]) >= STOP_BOUND
    assert service["cap_drop"] == ["ALL"] and service["read_only"] is True


# -- what they run, in a plain virtual environment --------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def base_env(fake: FakeDiscord) -> dict[str, str]:
    """This machine's environment without any jetbot setting, plus what points the bot at the fake."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "JETBOT_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # `jetbot` is this venv's
    env.update(JETBOT_DISCORD_API_BASE=fake.api_base, JETBOT_DISCORD_GATEWAY=fake.gateway_url)
    return env


async def run(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(*argv, cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), WAIT)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


async def until_healthy(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run the health check the way Docker does during the start period: until it passes (bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while True:
        code, output = await run(command, cwd, env)
        if code == 0 or loop.time() > deadline:
            return code, output
        await asyncio.sleep(0.2)


async def serve_then_stop(fake: FakeDiscord, argv: list[str], cwd: Path, env: dict[str, str],
                          while_running: list[list[str]], stop_within: float, *, health: list[str] | None = None,
                          ) -> tuple[int, str, list[tuple[int, str]]]:
    """Start ``argv`` as the service manager would, wait until it is on the gateway (and ``health`` passes),
    run each command of ``while_running`` beside it, then send SIGTERM and wait at most ``stop_within`` s."""
    proc = await asyncio.create_subprocess_exec(*argv, cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT)
    try:
        await fake.wait_until(lambda: fake.connected, WAIT, "the service to connect to the gateway")
        side = [await until_healthy(health, cwd, env)] if health else []
        side += [await run(cmd, cwd, env) for cmd in while_running]
        proc.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(proc.communicate(), stop_within)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), side


async def test_the_image_command_health_check_and_stop_signal_work_in_a_plain_venv(tmp_path: Path) -> None:
    fake = await FakeDiscord().start()
    try:
        volume = tmp_path / "data"  # stands in for the /data volume
        volume.mkdir()
        workdir = docker_values("WORKDIR")[-1]
        env = base_env(fake)
        port = str(free_port())
        for key, value in docker_env().items():
            env[key] = value.replace(workdir, str(volume)) if value.startswith(workdir) else value
        env.update({k: str(v) for k, v in compose()["services"]["jetbot"]["environment"].items()})
        env["JETBOT_DB"] = env["JETBOT_DB"].replace(workdir, str(volume))
        env.update(JETBOT_WEB_PORT=port, DISCORD_TOKEN=fake.token, DISCORD_APPLICATION_ID=str(fake.application_id),
                   JETBOT_KNOWLEDGE=str(SMALL),  # as with a knowledge folder mounted at /knowledge
                   JETBOT_LOG_FORMAT="json")  # for a log collector reading `docker logs`
        command = exec_form(docker_values("CMD")[-1])
        grace = seconds(compose()["services"]["jetbot"]["stop_grace_period"])
        code, output, [(health_code, health)] = await serve_then_stop(fake, command, volume, env, [], grace,
                                                                      health=healthcheck_cmd())
        assert health_code == 0 and health.startswith("200 ") and '"gateway_connected": true' in health, health
        assert code == 0, output
        assert "Traceback" not in output and fake.token not in output
        records = [json.loads(line) for line in output.splitlines()]  # every line is one JSON object
        assert {"time", "level", "logger", "message"} <= set(records[0])
        assert any(r["message"] == "stopped; database closed" for r in records)
        assert (volume / "jetbot.sqlite3").is_file()  # the database is in the volume
        after_code, after = await run(healthcheck_cmd(), volume, env)  # nothing answers once it stopped
        assert after_code == 1 and "not answering" in after
    finally:
        await fake.stop()


async def test_the_service_runs_from_its_state_directory_with_dotenv_and_backs_up_beside_it(tmp_path: Path) -> None:
    fake = await FakeDiscord().start()
    try:
        unit = read_unit(DEPLOY / "jetbot.service")
        backup_unit = read_unit(DEPLOY / "jetbot-backup.service")
        state = tmp_path / "var-lib-jetbot"  # stands in for /var/lib/jetbot
        state.mkdir()
        shutil.copytree(SMALL, state / "knowledge")
        # .env as the README says: .env.example copied, the token filled in, the chapter's own knowledge.
        dotenv = (ROOT / ".env.example").read_text()
        dotenv = re.sub(r"(?m)^DISCORD_TOKEN=.*$", f"DISCORD_TOKEN={fake.token}", dotenv)
        dotenv = re.sub(r"(?m)^JETBOT_KNOWLEDGE=.*$", "JETBOT_KNOWLEDGE=knowledge", dotenv)
        (state / ".env").write_text(dotenv)
        (state / "backups").mkdir()  # the backup unit's ExecStartPre
        env = {**base_env(fake), **unit_environment(unit)}

        def local(command: str) -> list[str]:
            argv = shlex.split(command)
            assert argv[0] == f"{CODE_DIR}/.venv/bin/jetbot"
            return ["jetbot", *argv[1:]]

        assert one(unit, "Service", "WorkingDirectory") == one(backup_unit, "Service", "WorkingDirectory")
        code, output, [(backup_code, backed_up)] = await serve_then_stop(
            fake, local(one(unit, "Service", "ExecStart")), state, env,
            [local(one(backup_unit, "Service", "ExecStart"))], seconds(one(unit, "Service", "TimeoutStopSec")))
        assert code == 0, output
        assert "Traceback" not in output and fake.token not in output
        assert f"settings from {state / '.env'}; knowledge {state / 'knowledge'} (" in output  # the chapter's own
        assert (state / "data" / "jetbot.sqlite3").is_file()  # JETBOT_DB=data/... relative to the state folder
        assert backup_code == 0 and "integrity ok" in backed_up, backed_up
        [copy] = (state / "backups").glob("jetbot-*.sqlite3")
        assert copy.stat().st_size > 0
    finally:
        await fake.stop()


# -- the README's Hosting section names real commands and files ---------------------------------------
def hosting_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("<!-- SECTION:hosting -->", 1)[1].split("<!-- /SECTION:hosting -->", 1)[0]


def test_every_jetbot_command_in_the_hosting_guide_is_one_the_command_line_takes() -> None:
    from bot.__main__ import build_parser

    parts = hosting_section().split("```")
    lines = [line for block in parts[1::2] for line in block.splitlines()]  # code blocks, line by line
    lines += [" ".join(span.split()) for prose in parts[0::2] for span in re.findall(r"`([^`]+)`", prose)]
    pattern = re.compile(r"(?:\bjb|/bin/jetbot|\bjetbot jetbot|&& jetbot) ([a-z][a-z-]*(?: [^\s`#'>]+)*)")
    commands = [m for line in lines for m in pattern.findall(line.split(" #")[0])]
    assert len(commands) >= 8, commands
    parser = build_parser()
    for command in commands:
        argv = [a for a in command.split() if not a.startswith(("<", "|", "&"))]
        try:
            parser.parse_args(argv)
        except SystemExit:
            raise AssertionError(f"the Hosting section shows `jetbot {command}`, which the command line refuses"
                                 ) from None


def test_every_deploy_file_the_hosting_guide_names_exists() -> None:
    named = set(re.findall(r"deploy/[\w.-]+", hosting_section()))
    assert {"deploy/jetbot.service", "deploy/jetbot-backup.service", "deploy/jetbot-backup.timer",
            "deploy/compose.yaml", "deploy/Dockerfile"} <= named
    for path in named:
        assert (ROOT / path).is_file(), path
