"""Settings, read once at start from the environment and a ``.env`` file.

Service managers start the bot in a working directory of their choosing, so ``.env`` is read from
the working directory (or the file given with ``--env-file``), never from the checkout, and a
relative path in a setting is relative to the working directory too. The environment wins over the
file (systemd's ``Environment=`` and Docker's ``-e`` work as expected).

The token is wrapped in ``Secret`` so that it can never end up in a log line or a traceback's locals
by accident.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The knowledge base shipped with jetbot; a deployment points JETBOT_KNOWLEDGE elsewhere to replace it.
DEFAULT_KNOWLEDGE = PROJECT_ROOT / "knowledge"
DEFAULT_DATABASE = Path("data") / "jetbot.sqlite3"
ENV_FILE = ".env"
LOG_FORMATS = ("text", "json")
DEFAULT_CONSENT_TEXT = (
    "I agree that this chapter may store my email address and name to send me its newsletter. "
    "I can unsubscribe at any time with /newsletter unsubscribe, and see or erase my data with /privacy."
)


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it."""


class Secret:
    """A string that does not show itself in repr/str."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


def _int_or_none(name: str, raw: str | None) -> int | None:
    if raw is None or raw.strip() == "":
        return None
    try:
        return int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a number (a Discord id), got {raw!r}") from None


def _database_url(raw: str | None) -> str | None:
    value = (raw or "").strip()
    if not value:
        return None
    if not value.startswith(("postgresql://", "postgres://")):
        raise ConfigError("JETBOT_DATABASE_URL must be a postgresql://user:password@host:port/database URL "
                          "(leave it unset to use the SQLite file JETBOT_DB)")
    return value


def shard_settings(ids_raw: str | None, count_raw: str | None) -> dict[str, Any]:
    """``{"shard_ids": (0, 1), "shard_count": 4}`` from "0,1" and "4" (the environment or ``--shard-ids`` /
    ``--shard-count``); both or neither, every id below the count."""
    ids_text, count_text = (ids_raw or "").strip(), (count_raw or "").strip()
    if not ids_text and not count_text:
        return {"shard_ids": None, "shard_count": None}
    if not (ids_text and count_text):
        raise ConfigError("give both the shard ids and the shard count (JETBOT_SHARD_IDS=0,1 JETBOT_SHARD_COUNT=4, "
                          "or --shard-ids 0,1 --shard-count 4), or neither")
    try:
        count = int(count_text)
        ids = tuple(sorted({int(x) for x in ids_text.split(",") if x.strip()}))
    except ValueError:
        raise ConfigError(f"JETBOT_SHARD_IDS (--shard-ids) must be numbers separated by commas and "
                          f"JETBOT_SHARD_COUNT (--shard-count) a number, got {ids_text!r} and {count_text!r}") from None
    if count < 1 or not ids or any(not 0 <= i < count for i in ids):
        raise ConfigError(f"JETBOT_SHARD_IDS (--shard-ids) must be between 0 and {count - 1} (JETBOT_SHARD_COUNT is "
                          f"{count}), got {ids_text}")
    return {"shard_ids": ids, "shard_count": count}


def _port(raw: str | None) -> int | None:
    value = _int_or_none("JETBOT_WEB_PORT", raw)
    if value is not None and not 1 <= value <= 65535:
        raise ConfigError(f"JETBOT_WEB_PORT must be a port number from 1 to 65535, got {value}")
    return value


def _public_url(raw: str | None) -> str | None:
    value = (raw or "").strip().rstrip("/")
    if not value:
        return None
    if not value.startswith(("https://", "http://")) or "?" in value or "#" in value:
        raise ConfigError(f"JETBOT_PUBLIC_URL must be an address such as https://jetbot.example.org, got {value!r}")
    return value


def read_env(env_file: Path | None = None, *, cwd: Path | None = None) -> tuple[dict[str, str], Path | None]:
    """The process environment over the ``.env`` file: (variables, the file read or None).

    ``env_file`` must exist when given; the default ``.env`` in ``cwd`` is optional."""
    base = cwd or Path.cwd()
    path = env_file if env_file is not None else base / ENV_FILE
    if not path.is_absolute():
        path = base / path
    values: dict[str, str] = {}
    used: Path | None = None
    if path.is_file():
        try:
            values = {k: v for k, v in dotenv_values(path).items() if v is not None}
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from None
        used = path
    elif env_file is not None:
        raise ConfigError(f"--env-file {env_file}: no such file")
    return {**values, **os.environ}, used


def _path(raw: str | None, default: Path, cwd: Path) -> Path:
    value = Path((raw or "").strip() or default).expanduser()
    return value if value.is_absolute() else cwd / value


@dataclass(frozen=True)
class Settings:
    token: Secret | None = None
    application_id: int | None = None
    database_path: Path = DEFAULT_DATABASE
    # PostgreSQL instead of the SQLite file (several bot processes can share it); None means SQLite.
    database_url: str | None = None
    # Discord shards this process runs (AutoShardedBot); None: one process, discord.py's plain Bot.
    shard_ids: tuple[int, ...] | None = None
    shard_count: int | None = None
    knowledge_path: Path = DEFAULT_KNOWLEDGE
    log_level: str = "INFO"
    log_format: str = "text"  # one line per record; "json" for log collectors
    dev_guild_id: int | None = None
    consent_text: str = DEFAULT_CONSENT_TEXT
    # The web server (calendar feed, event pages, /healthz): off unless a port is set.
    web_port: int | None = None
    web_host: str = "127.0.0.1"
    public_url: str | None = None  # how people reach it (the reverse proxy's https://...); links use it
    # Only for tests against the fake Discord server on 127.0.0.1; empty means the real Discord.
    api_base: str | None = None
    gateway_url: str | None = None
    env_file: Path | None = None  # the .env file read, if any (``jetbot check`` shows it)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def database(self) -> str | Path:
        """What ``Database()`` opens: the PostgreSQL URL when set, else the SQLite file."""
        return self.database_url or self.database_path

    @property
    def database_shown(self) -> str:
        """The database for messages and logs (a URL's password hidden)."""
        from bot.storage import redact_url

        return redact_url(self.database_url) if self.database_url else str(self.database_path)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, *, dotenv: bool = True, env_file: Path | None = None,
                 cwd: Path | None = None) -> Settings:
        """Build settings from ``env`` (default: the environment over ``.env`` in ``cwd``, or ``env_file``).
        Relative paths are resolved against ``cwd`` (default: the working directory)."""
        base = (cwd or Path.cwd()).resolve()
        used: Path | None = None
        if env is None:
            if dotenv:
                env, used = read_env(env_file, cwd=base)
            else:
                env = dict(os.environ)
        token = (env.get("DISCORD_TOKEN") or "").strip()
        level = (env.get("JETBOT_LOG_LEVEL") or "INFO").strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ConfigError(f"JETBOT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
        log_format = (env.get("JETBOT_LOG_FORMAT") or "text").strip().lower()
        if log_format not in LOG_FORMATS:
            raise ConfigError(f"JETBOT_LOG_FORMAT must be text or json, got {log_format!r}")
        return cls(
            token=Secret(token) if token else None,
            application_id=_int_or_none("DISCORD_APPLICATION_ID", env.get("DISCORD_APPLICATION_ID")),
            database_path=_path(env.get("JETBOT_DB"), DEFAULT_DATABASE, base),
            database_url=_database_url(env.get("JETBOT_DATABASE_URL")),
            **shard_settings(env.get("JETBOT_SHARD_IDS"), env.get("JETBOT_SHARD_COUNT")),
            knowledge_path=_path(env.get("JETBOT_KNOWLEDGE"), DEFAULT_KNOWLEDGE, base),
            log_level=level,
            log_format=log_format,
            env_file=used,
            dev_guild_id=_int_or_none("JETBOT_DEV_GUILD_ID", env.get("JETBOT_DEV_GUILD_ID")),
            consent_text=(env.get("JETBOT_CONSENT_TEXT") or DEFAULT_CONSENT_TEXT).strip(),
            web_port=_port(env.get("JETBOT_WEB_PORT")),
            web_host=(env.get("JETBOT_WEB_HOST") or "127.0.0.1").strip(),
            public_url=_public_url(env.get("JETBOT_PUBLIC_URL")),
            api_base=(env.get("JETBOT_DISCORD_API_BASE") or None),
            gateway_url=(env.get("JETBOT_DISCORD_GATEWAY") or None),
        )
