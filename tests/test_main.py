"""The ``jetbot`` command line as a user runs it (subprocesses): global options in either place, .env
and relative paths from the working directory, ``jetbot check``, backup/restore, and no traceback for
ordinary accidents (network down, Ctrl-C, broken pipes, an unreadable database)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "data" / "kb_small"
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GAbCdE.abcdefghijklmnopqrstuvwxyz0123456789AB"  # shaped like one, not real


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "JETBOT_"))}
    env.update(PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", **extra)
    return env


def jetbot(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60
           ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=env or clean_env(),
                          capture_output=True, text=True, timeout=timeout)


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr


@pytest.mark.parametrize("args", [
    ["--knowledge", str(SMALL), "ask", "what does a CIR do"],
    ["ask", "--knowledge", str(SMALL), "what does a CIR do"],
    ["ask", "what does a CIR do", "--knowledge", str(SMALL)],
])
def test_global_options_work_before_or_after_the_sub_command(args: list[str], tmp_path: Path) -> None:
    result = jetbot(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Coordinator for International Relations" in result.stdout


def test_kb_subcommands_take_the_global_options_too(tmp_path: Path) -> None:
    for args in (["kb", "check", "--knowledge", str(SMALL)], ["--knowledge", str(SMALL), "kb", "check"]):
        result = jetbot(*args, cwd=tmp_path)
        assert result.returncode == 0 and result.stdout.startswith("OK:"), result.stderr
    exported = jetbot("kb", "export", "--json", "--knowledge", str(SMALL), cwd=tmp_path)
    assert exported.returncode == 0 and '"id"' in exported.stdout


def test_env_file_and_relative_paths_are_from_the_working_directory(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(SMALL, site / "my-knowledge")
    (site / ".env").write_text("JETBOT_KNOWLEDGE=my-knowledge\nJETBOT_DB=state/bot.sqlite3\n")
    here = jetbot("kb", "check", cwd=site)
    assert here.returncode == 0 and here.stdout.startswith("OK: "), here.stderr
    # From elsewhere, that .env is not read: the shipped knowledge base is used, and it is valid.
    elsewhere = jetbot("kb", "check", cwd=tmp_path)
    assert elsewhere.returncode == 0 and elsewhere.stdout != here.stdout
    # ... unless it is named; relative paths in it are still relative to the working directory.
    named = jetbot("--env-file", "site/.env", "kb", "check", cwd=tmp_path)
    assert named.returncode == 1 and "my-knowledge" in named.stdout + named.stderr
    missing = jetbot("--env-file", "nope.env", "kb", "check", cwd=tmp_path)
    assert missing.returncode == 2 and "nope.env: no such file" in missing.stderr
    no_traceback(missing)


def test_check_passes_on_a_good_setup_and_names_each_problem(tmp_path: Path) -> None:
    env = clean_env(DISCORD_TOKEN=TOKEN, DISCORD_APPLICATION_ID="123456789012345678")
    good = jetbot("check", "--knowledge", str(SMALL), "--db", "data/jetbot.sqlite3", cwd=tmp_path, env=env)
    assert good.returncode == 0, good.stdout
    assert "created at the first start" in good.stdout and "All good" in good.stdout
    assert TOKEN not in good.stdout + good.stderr
    assert not (tmp_path / "data").exists()  # check starts nothing and creates nothing

    broken_kb = tmp_path / "kb"
    broken_kb.mkdir()
    (broken_kb / "x.yaml").write_text("entries: [\n")
    (tmp_path / "junk.sqlite3").write_bytes(b"not a database" * 200)
    bad = jetbot("doctor", "--knowledge", str(broken_kb), "--db", "junk.sqlite3", cwd=tmp_path,
                 env=clean_env(DISCORD_TOKEN="not-a-token"))
    assert bad.returncode == 1
    assert "[FAIL] DISCORD_TOKEN: does not look like a bot token" in bad.stdout
    assert "[FAIL] JETBOT_KNOWLEDGE" in bad.stdout and "[FAIL] JETBOT_DB" in bad.stdout
    assert "not-a-token" not in bad.stdout
    no_traceback(bad)


async def test_check_reports_a_database_that_needs_migrating(tmp_path: Path) -> None:
    from bot.ops.backup import latest_migration
    from bot.storage import Database

    db = tmp_path / "jetbot.sqlite3"
    await (await Database(db).open()).close()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    result = jetbot("check", "--db", str(db), cwd=tmp_path, env=clean_env(DISCORD_TOKEN=TOKEN))
    assert f"schema 3; the next start upgrades it to {latest_migration()}" in result.stdout


def test_backup_and_restore_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "jetbot.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute("INSERT INTO meta VALUES ('marker', 'before')")
    conn.commit()
    conn.close()
    made = jetbot("--db", "jetbot.sqlite3", "backup", "saved.sqlite3", cwd=tmp_path)
    assert made.returncode == 0 and "integrity ok" in made.stdout, made.stderr
    conn = sqlite3.connect(db)
    conn.execute("UPDATE meta SET value = 'after'")
    conn.commit()
    conn.close()
    back = jetbot("restore", "saved.sqlite3", "--db", "jetbot.sqlite3", cwd=tmp_path)
    assert back.returncode == 0 and "previous database is kept" in back.stdout, back.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT value FROM meta").fetchone()[0] == "before"
    conn.close()
    refused = jetbot("restore", "missing.sqlite3", cwd=tmp_path)
    assert refused.returncode == 1 and "no such file" in refused.stderr
    no_traceback(refused)


def test_broken_pipe_is_silent(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "bot", "kb", "export", "--json"], cwd=tmp_path,
                            env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()  # like `| head -1`: read a little, then go away
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err


def test_ctrl_c_at_the_ask_prompt_is_one_clean_exit(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "bot", "--knowledge", str(SMALL)], cwd=tmp_path,
                            env=clean_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert "entries loaded" in proc.stdout.readline()  # now waiting at the prompt
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err


def test_network_down_at_start_is_one_line_and_a_non_zero_exit(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on: the connection is refused at once
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = clean_env(DISCORD_TOKEN=TOKEN, JETBOT_DB=str(tmp_path / "db.sqlite3"),
                    JETBOT_DISCORD_API_BASE=f"http://127.0.0.1:{port}/api/v10")
    result = jetbot("run", "--knowledge", str(SMALL), cwd=tmp_path, env=env)
    assert result.returncode == 1
    [line] = [ln for ln in result.stderr.splitlines() if ln.startswith("jetbot:")]
    assert "cannot reach Discord" in line
    no_traceback(result)
    assert TOKEN not in result.stdout + result.stderr


def test_unreadable_database_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "junk.sqlite3").write_bytes(b"this is not a database" * 200)
    env = clean_env(DISCORD_TOKEN=TOKEN, JETBOT_DB="junk.sqlite3")
    result = jetbot("run", "--knowledge", str(SMALL), cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert "cannot open the database" in result.stderr and "junk.sqlite3" in result.stderr
    no_traceback(result)


def test_a_second_bot_on_the_same_database_is_refused(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from bot.ops.backup import DatabaseLock; "
                               "lock = DatabaseLock(Path(sys.argv[1])); assert lock.acquire(); "
                               "print('held', flush=True); time.sleep(60)", str(tmp_path / "db.sqlite3")],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = jetbot("run", "--knowledge", str(SMALL), "--db", "db.sqlite3", cwd=tmp_path,
                        env=clean_env(DISCORD_TOKEN=TOKEN))
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1 and "already running" in result.stderr
    no_traceback(result)


def test_health_reports_the_answer_of_healthz_and_its_exit_code(tmp_path: Path) -> None:
    import http.server
    import threading

    class Unhealthy(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"status": "unhealthy", "gateway_connected": false}'
            self.send_response(503 if self.path == "/healthz" else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Unhealthy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = str(server.server_address[1])
        sick = jetbot("health", cwd=tmp_path, env=clean_env(JETBOT_WEB_PORT=port, JETBOT_WEB_HOST="0.0.0.0"))
    finally:
        server.shutdown()
        server.server_close()
    assert sick.returncode == 1 and sick.stdout.startswith("503 ") and '"gateway_connected": false' in sick.stdout
    off = jetbot("health", cwd=tmp_path)
    assert off.returncode == 2 and "set JETBOT_WEB_PORT" in off.stderr
    down = jetbot("health", "--url", f"http://127.0.0.1:{port}/healthz", cwd=tmp_path)
    assert down.returncode == 1 and "is not answering" in down.stderr
    for result in (sick, off, down):
        no_traceback(result)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_while_still_connecting_is_a_clean_exit(tmp_path: Path, sig: signal.Signals) -> None:
    with socket.socket() as server:  # "Discord" accepts the connection and never answers
        server.bind(("127.0.0.1", 0))
        server.listen()
        env = clean_env(DISCORD_TOKEN=TOKEN, JETBOT_DB="db.sqlite3", JETBOT_KNOWLEDGE=str(SMALL),
                        JETBOT_DISCORD_API_BASE=f"http://127.0.0.1:{server.getsockname()[1]}/api/v10")
        proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            server.settimeout(60)
            waiting, _ = server.accept()  # the bot is logging in now
            with waiting:
                proc.send_signal(sig)
                out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == 0, err
    assert "stopped before the connection to Discord was made" in out and "database closed" in out
    assert "cannot reach Discord" not in err and "Traceback" not in out + err


def test_broken_pipe_after_answers_is_silent(tmp_path: Path) -> None:
    questions = tmp_path / "questions.txt"
    questions.write_text("what does a CIR do\n" * 200)
    proc = subprocess.Popen([sys.executable, "-m", "bot", "ask", "--batch", str(questions), "--knowledge", str(SMALL)],
                            cwd=tmp_path, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith(b"{")  # like `| head -1`
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err


def test_a_broken_knowledge_base_stops_the_start_with_its_problems_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "x.yaml").write_text("entries:\n  - id: Not Kebab\n")
    result = jetbot("run", "--knowledge", "kb", cwd=tmp_path, env=clean_env(DISCORD_TOKEN=TOKEN))
    assert result.returncode == 2  # deploy/jetbot.service does not retry exit 2 (RestartPreventExitStatus)
    assert result.stderr.startswith("jetbot: the knowledge base has") and "x.yaml" in result.stderr
    no_traceback(result)
    assert not (tmp_path / "data").exists()  # nothing was opened


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_during_start_up_is_a_clean_exit(tmp_path: Path, sig: signal.Signals) -> None:
    """Ctrl-C or SIGTERM while the bot is still starting (here: held up by another process's write on its
    database) ends it cleanly once the step it is in has finished: exit 0, the database closed."""
    db = tmp_path / "db.sqlite3"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("CREATE TABLE holder (x)")
    holder.execute("BEGIN EXCLUSIVE")  # the start-up waits for it, as behind a long write
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = clean_env(DISCORD_TOKEN=TOKEN, JETBOT_DB=str(db), JETBOT_KNOWLEDGE=str(SMALL),
                    JETBOT_DISCORD_API_BASE=f"http://127.0.0.1:{port}/api/v10")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lock = tmp_path / "db.sqlite3.lock"
    try:
        for _ in range(600):  # until it holds the database's lock: past the knowledge base, waiting on the file
            if lock.exists() and lock.read_text().strip() == str(proc.pid):
                break
            time.sleep(0.1)
        else:
            raise AssertionError("jetbot run never took the database's lock")
        proc.send_signal(sig)
        time.sleep(0.5)  # let the signal arrive while it still waits
        holder.execute("ROLLBACK")
        holder.close()
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "stopped before the connection to Discord was made" in out and "database closed" in out
    assert "Traceback" not in out + err and "cannot reach Discord" not in err
