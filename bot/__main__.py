"""Command line: ``jetbot`` / ``python -m bot``.

    jetbot                     run the bot if DISCORD_TOKEN is set, else ask questions in the terminal
    jetbot run                 run the bot (one line and a non-zero exit if it cannot start)
    jetbot check               validate settings, knowledge base, database and token without starting
    jetbot ask "QUESTION"      answer one question (--json for machines, --batch FILE for many)
    jetbot kb check [PATH]     validate the knowledge base (exit 0 or 1)
    jetbot kb export --json    print every entry as JSON
    jetbot kb proposals        phrasings chapters proposed for the shared knowledge base
    jetbot backup PATH         copy the live database consistently (a file, or a folder for a dated name)
    jetbot restore FILE        put a backup in place (refused while the bot runs on that database)
    jetbot health              ask the running bot's /healthz (exit 0 if healthy: container health checks)
    jetbot invite-url          print the link that adds the bot to a server

Global options, before or after the sub-command: --env-file FILE, --knowledge PATH, --db PATH.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import os
import signal
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import ConfigError, Settings, shard_settings
from bot.ops.logs import setup_logging

if TYPE_CHECKING:
    from bot.client import JetBot

log = logging.getLogger("jetbot")

# What the bot needs in a chapter's server, and why (the README explains each).
INVITE_PERMISSIONS = {
    "view_channel": "see the channels it posts events in",
    "send_messages": "post events and answers",
    "send_messages_in_threads": "answer mentions in threads",
    "embed_links": "answers and events are embeds",
    "attach_files": "calendar (.ics) and CSV files",
    "read_message_history": "edit its own event posts after a restart",
    "manage_events": "mirror chapter events in the server's Events tab",
}


def invite_url(application_id: int) -> str:
    """The OAuth2 link with the ``bot`` and ``applications.commands`` scopes and the permissions above."""
    import discord

    perms = discord.Permissions(**{name: True for name in INVITE_PERMISSIONS})
    return discord.utils.oauth_url(application_id, permissions=perms, scopes=("bot", "applications.commands"))


def point_at_discord(api_base: str | None, gateway_url: str | None) -> None:
    """Send REST and gateway traffic elsewhere (only the tests' fake Discord on 127.0.0.1 uses this)."""
    if api_base:
        import discord.http

        discord.http.Route.BASE = api_base.rstrip("/")
    if gateway_url:
        import discord.gateway
        import yarl

        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


class StopRequest:
    """SIGINT and SIGTERM from the first moment of ``jetbot run``: before the bot runs, a flag the start-up
    checks between its steps (so a stop during a slow start never interrupts the database half-opened);
    once the bot runs, its clean close."""

    def __init__(self) -> None:
        self.requested = asyncio.Event()
        self.bot: JetBot | None = None

    def __call__(self, sig: signal.Signals) -> None:
        if not self.requested.is_set():
            log.info("received %s, stopping: finishing interactions in flight and background work", sig.name)
        self.requested.set()
        if self.bot is not None:
            asyncio.get_running_loop().create_task(self.bot.close())

    @property
    def is_set(self) -> bool:
        return self.requested.is_set()


async def run_bot(settings: Settings) -> int:
    """Own the loop: take the database's lock, open storage, load knowledge, start the bot, and on a
    signal (at any moment) let it finish what it is doing and close everything."""
    loop = asyncio.get_running_loop()
    stop = StopRequest()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # non-Unix: Ctrl-C stays KeyboardInterrupt
            loop.add_signal_handler(sig, stop, sig)
    try:
        return await _run(settings, stop)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)


async def _run(settings: Settings, stop: StopRequest) -> int:
    if not settings.token:
        print(
            "jetbot: DISCORD_TOKEN is not set. Create a bot at https://discord.com/developers/applications "
            "and put its token in .env (see README). Without a token, try `jetbot ask \"what is a CIR?\"`.",
            file=sys.stderr,
        )
        return 2
    import aiohttp
    import discord

    from bot.client import make_bot
    from bot.knowledge import KnowledgeError, KnowledgeService
    from bot.ops.backup import DatabaseLock, OpsError, latest_migration, prepare_upgrade
    from bot.services import build_services
    from bot.storage import Database, StorageError

    point_at_discord(settings.api_base, settings.gateway_url)
    try:
        knowledge = KnowledgeService.load(settings.knowledge_path)
    except KnowledgeError as exc:
        print(f"jetbot: the knowledge base has {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2  # like a settings error: starting again cannot fix it, so a service manager should not retry
    # Several processes may share a PostgreSQL database; a SQLite file belongs to one process.
    lock = DatabaseLock(settings.database_path) if settings.database_url is None else None
    try:
        if lock is not None and not lock.acquire():
            print(f"jetbot: another jetbot is already running on {settings.database_path}.", file=sys.stderr)
            return 1
    except OSError as exc:
        print(f"jetbot: cannot use {settings.database_path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    try:
        try:
            # A SQLite file is copied before a migration (the file to roll back to); PostgreSQL has pg_dump.
            kept = prepare_upgrade(settings.database_path) if settings.database_url is None else None
        except OpsError as exc:
            print(f"jetbot: {exc}", file=sys.stderr)
            return 2  # a settings-level problem: a service manager should not retry
        if kept is not None:
            log.info("the database is upgraded to schema %d now; a copy from before is kept as %s",
                     latest_migration(), kept)
        try:
            db = await Database(settings.database).open()
        except (StorageError, sqlite3.Error, OSError) as exc:
            print(f"jetbot: cannot open the database {settings.database_shown}: {exc}. "
                  "Check its owner and permissions (`jetbot check`), or restore a backup.", file=sys.stderr)
            return 1
        log.info("starting: settings from %s; knowledge %s (%d entries); database %s",
                 settings.env_file or "the environment", settings.knowledge_path, len(knowledge.kb.entries),
                 settings.database_shown)
        try:
            await asyncio.sleep(0)  # a signal that came during the (synchronous) loading is handled now
            if stop.is_set:
                log.info("stopped before the connection to Discord was made")
                return 0
            return await _serve(make_bot(build_services(settings, db, knowledge)), settings, stop,
                                discord=discord, network_errors=(aiohttp.ClientError, OSError))
        finally:
            await db.close()
            log.info("stopped; database closed")
    finally:
        if lock is not None:
            lock.release()


async def _serve(bot: JetBot, settings: Settings, stop: StopRequest, *, discord: Any,
                 network_errors: tuple[type[BaseException], ...]) -> int:
    assert settings.token is not None
    stop.bot = bot
    try:
        async with bot:
            await bot.start(settings.token.get())
    except discord.LoginFailure:
        print("jetbot: Discord rejected the token. Reset it on the Bot page of your application and "
              "update DISCORD_TOKEN in .env.", file=sys.stderr)
        return 2  # settings: retrying cannot help
    except discord.PrivilegedIntentsRequired:
        print("jetbot: Discord refused an intent the bot asked for: leave the privileged intents off (README, "
              "Setting up the Discord application).", file=sys.stderr)
        return 2
    except (discord.GatewayNotFound, *network_errors) as exc:
        if stop.is_set:  # stopped while still connecting: closing the session ended the attempt
            log.info("stopped before the connection to Discord was made")
            return 0
        # Only at start: once connected, discord.py reconnects by itself with backoff.
        print(f"jetbot: cannot reach Discord ({type(exc).__name__}: {exc}). Check this server's network and DNS; "
              "the service manager will start it again.", file=sys.stderr)
        return 1
    finally:
        stop.bot = None
    return 0


# -- arguments ----------------------------------------------------------------------------------
def _global_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """The same options on the main parser and on every sub-command, so they work in either place.
    Sub-commands default to SUPPRESS so that a value given before the sub-command is kept."""
    default: Any = None if top else argparse.SUPPRESS
    parser.add_argument("--env-file", metavar="FILE", type=Path, default=default,
                        help="settings file (default: .env in the working directory)")
    parser.add_argument("--knowledge", metavar="PATH", type=Path, default=default,
                        help="knowledge folder or file (overrides JETBOT_KNOWLEDGE)")
    parser.add_argument("--db", metavar="PATH", type=Path, default=default,
                        help="SQLite database (overrides JETBOT_DB)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jetbot", description="jetbot: JET Programme answers, events, newsletter.")
    _global_options(parser, top=True)
    sub = parser.add_subparsers(dest="command")

    def command(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        p = sub.add_parser(name, **kwargs)
        _global_options(p, top=False)
        return p

    run = command("run", help="run the Discord bot (needs DISCORD_TOKEN)")
    run.add_argument("--shard-ids", metavar="IDS", help="run only these Discord shards, e.g. 0,1 (JETBOT_SHARD_IDS)")
    run.add_argument("--shard-count", metavar="N", help="how many shards the bot has in all (JETBOT_SHARD_COUNT)")
    command("check", aliases=["doctor"], help="check settings, knowledge base, database and token; start nothing")

    ask = command("ask", help="answer a question from the knowledge base")
    ask.add_argument("question", nargs="*", help="the question (omit with --batch)")
    ask.add_argument("--json", action="store_true", help="print JSON instead of text")
    ask.add_argument("--batch", metavar="FILE", help="one question per line; one JSON object per line out")

    db = command("db", help="database tools")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    copy = db_sub.add_parser("copy", help="copy every row into an empty database (SQLite to PostgreSQL, or back)")
    _global_options(copy, top=False)
    copy.add_argument("--from", dest="source", required=True, metavar="URL",
                      help="sqlite:///path/to/jetbot.sqlite3 or postgresql://user:password@host/database")
    copy.add_argument("--to", dest="target", required=True, metavar="URL", help="the empty database to fill")

    kb = command("kb", help="knowledge base tools")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    check = kb_sub.add_parser("check", help="validate the knowledge base (exit 0 if valid, 1 if not)")
    _global_options(check, top=False)
    check.add_argument("path", nargs="?", type=Path, help="folder or YAML file (default: the configured one)")
    export = kb_sub.add_parser("export", help="print every entry")
    _global_options(export, top=False)
    export.add_argument("--json", action="store_true", required=True, help="as a JSON array")
    proposals = kb_sub.add_parser("proposals", help="phrasings chapters proposed for the shared knowledge base")
    _global_options(proposals, top=False)
    proposals.add_argument("--json", action="store_true", help="JSON instead of YAML")

    backup = command("backup", help="copy the live database safely (while the bot runs)")
    backup.add_argument("target", type=Path, help="file to write, or a folder for jetbot-YYYYMMDD-HHMMSS.sqlite3")
    restore = command("restore", help="replace the database with a backup (the bot must be stopped)")
    restore.add_argument("backup", type=Path, help="a file made by `jetbot backup`")

    health = command("health", help="ask the running bot's /healthz; exit 0 if healthy, 1 if not")
    health.add_argument("--url", help="default: http://127.0.0.1:JETBOT_WEB_PORT/healthz")

    inv = command("invite-url", help="print the link that adds the bot to a server")
    inv.add_argument("--application-id", type=int, help="default: DISCORD_APPLICATION_ID")
    return parser


def load_settings(args: argparse.Namespace) -> Settings:
    """Settings from the environment and .env, with the global options on top (paths relative to the
    working directory)."""
    settings = Settings.from_env(env_file=args.env_file)
    cwd = Path.cwd()
    if args.knowledge is not None:
        settings = dataclasses.replace(settings, knowledge_path=cwd / args.knowledge.expanduser())
    if args.db is not None:
        settings = dataclasses.replace(settings, database_path=cwd / args.db.expanduser(), database_url=None)
    if getattr(args, "shard_ids", None) is not None or getattr(args, "shard_count", None) is not None:
        ids = args.shard_ids or ",".join(str(i) for i in settings.shard_ids or ())
        count = args.shard_count or (str(settings.shard_count) if settings.shard_count else None)
        settings = dataclasses.replace(settings, **shard_settings(ids, count))
    return settings


# -- commands -----------------------------------------------------------------------------------
def _backup(settings: Settings, target: Path) -> int:
    from bot.ops.backup import OpsError, backup

    try:
        report = backup(settings.database_path, Path.cwd() / target)
    except OpsError as exc:
        print(f"jetbot: {exc}", file=sys.stderr)
        return 1
    rows = sum(report.row_counts.values())
    print(f"backed up {settings.database_path} to {report.path} (schema {report.schema_version}, "
          f"{rows} rows in {len(report.row_counts)} tables, integrity ok)")
    return 0


def _restore(settings: Settings, source: Path) -> int:
    from bot.ops.backup import OpsError, restore

    try:
        report, kept = restore(Path.cwd() / source, settings.database_path)
    except OpsError as exc:
        print(f"jetbot: {exc}", file=sys.stderr)
        return 1
    if kept is not None:
        print(f"the previous database is kept as {kept}")
    rows = sum(report.row_counts.values())
    print(f"restored {source} to {settings.database_path} (schema {report.schema_version}, {rows} rows); "
          "start the bot again")
    return 0


def health_url(settings: Settings) -> str | None:
    """Where the running bot answers /healthz, seen from the same machine (None if the web server is off)."""
    if settings.web_port is None:
        return None
    host = settings.web_host if settings.web_host not in ("", "0.0.0.0", "::") else "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.web_port}/healthz"


def _health(settings: Settings, url: str | None) -> int:
    import urllib.error
    import urllib.request

    url = url or health_url(settings)
    if url is None:
        print("jetbot: the web server is off, so there is no /healthz: set JETBOT_WEB_PORT", file=sys.stderr)
        return 2
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through an HTTP proxy
    try:
        with opener.open(url, timeout=5) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:  # 503: the bot answered, and it is not healthy
        status, body = exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        print(f"jetbot: {url} is not answering ({reason}): is the bot running?", file=sys.stderr)
        return 1
    print(f"{status} {body.decode('utf-8', 'replace').strip()}")
    return 0 if status == 200 else 1


def _db_copy(source_text: str, target_text: str) -> int:
    """``jetbot db copy``: one line per table, then the total; one line on stderr if anything fails."""
    from bot.storage import Database, StorageError, redact_url
    from bot.storage.copy import copy_database, parse_target

    async def run() -> int:
        source_at, target_at = parse_target(source_text), parse_target(target_text)
        if isinstance(source_at, Path) and not source_at.is_file():
            raise StorageError(f"no database at {source_at}")
        async with Database(source_at) as source, Database(target_at) as target:
            report = await copy_database(source, target)
        for table in report:
            print(f"{table.table}: {table.rows} rows, verified")
        print(f"copied {sum(t.rows for t in report)} rows in {len(report)} tables from {redact_url(source_text)} "
              f"to {redact_url(target_text)}; every row read back matches. Set JETBOT_DATABASE_URL to switch over.")
        return 0

    try:
        return asyncio.run(run())
    except (StorageError, sqlite3.Error, OSError) as exc:
        print(f"jetbot: db copy failed: {redact_url(str(exc))}", file=sys.stderr)
        return 1


def _check(settings: Settings) -> int:
    from bot.ops.doctor import FAIL, format_checks, run_checks

    checks = run_checks(settings)
    print(format_checks(checks))
    failed = [c for c in checks if c.status == FAIL]
    print(f"{len(failed)} problem(s): fix them and run `jetbot check` again." if failed
          else "All good: start it with `jetbot run`.")
    return 1 if failed else 0


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args)
    except ConfigError as exc:
        print(f"jetbot: {exc}", file=sys.stderr)
        return 2
    running = args.command == "run" or (args.command is None and settings.token)
    if running:
        setup_logging(settings.log_level, settings.log_format)  # stdout, one line per record
    else:
        # The terminal commands keep stdout for their output; logs go to stderr and stay quiet.
        setup_logging("WARNING", settings.log_format, stream=sys.stderr)

    if args.command == "invite-url":
        app_id = args.application_id or settings.application_id
        if not app_id:
            print("jetbot: give --application-id or set DISCORD_APPLICATION_ID (General Information page).",
                  file=sys.stderr)
            return 2
        print(invite_url(app_id))
        return 0
    if args.command in ("check", "doctor"):
        return _check(settings)
    if args.command == "db":
        return _db_copy(args.source, args.target)
    if args.command in ("backup", "restore") and settings.database_url:
        print(f"jetbot: {args.command} copies the SQLite file; this bot uses PostgreSQL "
              f"({settings.database_shown}): use pg_dump / pg_restore there.", file=sys.stderr)
        return 1
    if args.command == "backup":
        return _backup(settings, args.target)
    if args.command == "restore":
        return _restore(settings, args.backup)
    if args.command == "health":
        return _health(settings, args.url)
    if running:
        return asyncio.run(run_bot(settings))

    from bot.knowledge import cli as kcli

    if args.command == "ask":
        return kcli.ask_command(args.question, as_json=args.json, batch=args.batch, knowledge=settings.knowledge_path)
    if args.command == "kb":
        if args.kb_command == "check":
            return kcli.kb_check(Path.cwd() / args.path if args.path else settings.knowledge_path)
        if args.kb_command == "proposals":
            from bot.chapter_kb import proposals_command

            return proposals_command(settings.database_path, settings.knowledge_path, as_json=args.json)
        return kcli.kb_export(settings.knowledge_path)
    # No subcommand and no token: let a person try the answer engine.
    return kcli.repl(settings.knowledge_path)


def main(argv: list[str] | None = None) -> int:
    """The entry point: ordinary accidents end with one line, never a traceback."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print(file=sys.stderr)  # end the ^C line (e.g. at the ask> prompt)
        return 130
    except BrokenPipeError:
        # The reader went away (`jetbot kb export --json | head`): nothing more to say, and Python must not
        # complain when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except sqlite3.OperationalError as exc:
        print(f"jetbot: database error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
