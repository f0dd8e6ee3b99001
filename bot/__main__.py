"""Command line: ``jetbot`` / ``python -m bot``.

    jetbot                     run the bot if DISCORD_TOKEN is set, else ask questions in the terminal
    jetbot run                 run the bot (a one-line error if the token is missing or rejected)
    jetbot ask "QUESTION"      answer one question (--json for machines, --batch FILE for many)
    jetbot kb check [PATH]     validate the knowledge base (exit 0 or 1)
    jetbot kb export --json    print every entry as JSON
    jetbot invite-url          print the link that adds the bot to a server
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings

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


def setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("discord").setLevel(max(logging.INFO, getattr(logging, level, logging.INFO)))
    # aiosqlite logs every statement with its parameters (email addresses) at DEBUG: never let it.
    logging.getLogger("aiosqlite").setLevel(max(logging.INFO, getattr(logging, level, logging.INFO)))


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


async def run_bot(settings: Settings) -> int:
    """Own the loop: open storage, load knowledge, start the bot, close everything on a signal."""
    if not settings.token:
        print(
            "jetbot: DISCORD_TOKEN is not set. Create a bot at https://discord.com/developers/applications "
            "and put its token in .env (see README). Without a token, try `jetbot ask \"what is a CIR?\"`.",
            file=sys.stderr,
        )
        return 2
    import discord

    from bot.client import JetBot
    from bot.knowledge import KnowledgeError, KnowledgeService
    from bot.services import build_services
    from bot.storage import Database, StorageError

    point_at_discord(settings.api_base, settings.gateway_url)
    try:
        knowledge = KnowledgeService.load(settings.knowledge_path)
    except KnowledgeError as exc:
        print(f"jetbot: the knowledge base has {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    try:
        db = await Database(settings.database_path).open()
    except StorageError as exc:
        print(f"jetbot: {exc}", file=sys.stderr)
        return 1
    try:
        bot = JetBot(build_services(settings, db, knowledge))
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, _request_stop, bot, sig)
            except (NotImplementedError, RuntimeError):  # pragma: no cover - non-Unix
                pass
        try:
            async with bot:
                await bot.start(settings.token.get())
        except discord.LoginFailure:
            print(
                "jetbot: Discord rejected the token. Reset it on the Bot page of your application and "
                "update DISCORD_TOKEN in .env.",
                file=sys.stderr,
            )
            return 1
        except discord.PrivilegedIntentsRequired:
            print("jetbot: Discord refused an intent the bot asked for; see README > Intents.", file=sys.stderr)
            return 1
    finally:
        await db.close()
        log.info("stopped; database closed")
    return 0


def _request_stop(bot: JetBot, sig: signal.Signals) -> None:
    log.info("received %s, shutting down", sig.name)
    asyncio.get_running_loop().create_task(bot.close())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jetbot", description="jetbot: JET Programme answers, events, newsletter.")
    sub = parser.add_subparsers(dest="command")

    sub.add_parser("run", help="run the Discord bot (needs DISCORD_TOKEN)")

    ask = sub.add_parser("ask", help="answer a question from the knowledge base")
    ask.add_argument("question", nargs="*", help="the question (omit with --batch)")
    ask.add_argument("--json", action="store_true", help="print JSON instead of text")
    ask.add_argument("--batch", metavar="FILE", help="one question per line; one JSON object per line out")
    ask.add_argument("--knowledge", metavar="PATH", type=Path, help="knowledge folder or file")

    kb = sub.add_parser("kb", help="knowledge base tools")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    check = kb_sub.add_parser("check", help="validate the knowledge base (exit 0 if valid, 1 if not)")
    check.add_argument("path", nargs="?", type=Path, help="folder or YAML file (default: the configured one)")
    export = kb_sub.add_parser("export", help="print every entry")
    export.add_argument("--json", action="store_true", required=True, help="as a JSON array")
    export.add_argument("--knowledge", metavar="PATH", type=Path, help="knowledge folder or file")

    inv = sub.add_parser("invite-url", help="print the link that adds the bot to a server")
    inv.add_argument("--application-id", type=int, help="default: DISCORD_APPLICATION_ID")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"jetbot: {exc}", file=sys.stderr)
        return 2
    # The terminal commands keep stdout for their output; logs go to stderr and stay quiet.
    setup_logging(settings.log_level if args.command in (None, "run") else "WARNING")

    if args.command == "invite-url":
        app_id = args.application_id or settings.application_id
        if not app_id:
            print("jetbot: give --application-id or set DISCORD_APPLICATION_ID (General Information page).",
                  file=sys.stderr)
            return 2
        print(invite_url(app_id))
        return 0

    if args.command == "run" or (args.command is None and settings.token):
        try:
            return asyncio.run(run_bot(settings))
        except KeyboardInterrupt:  # pragma: no cover - signal handlers normally catch it first
            return 130

    from bot.knowledge import cli as kcli

    if args.command == "ask":
        return kcli.ask_command(args.question, as_json=args.json, batch=args.batch,
                                knowledge=args.knowledge or settings.knowledge_path)
    if args.command == "kb":
        if args.kb_command == "check":
            return kcli.kb_check(args.path or settings.knowledge_path)
        return kcli.kb_export(args.knowledge or settings.knowledge_path)
    # No subcommand and no token: let a person try the answer engine.
    return kcli.repl(settings.knowledge_path)


if __name__ == "__main__":
    sys.exit(main())
