"""Settings, read once at start from the environment and ``.env``.

The token is wrapped in ``Secret`` so that it can never end up in a log line or a traceback's locals
by accident.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_KNOWLEDGE = PROJECT_ROOT / "knowledge"
DEFAULT_DATABASE = Path("data") / "jetbot.sqlite3"
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


@dataclass(frozen=True)
class Settings:
    token: Secret | None = None
    application_id: int | None = None
    database_path: Path = DEFAULT_DATABASE
    knowledge_path: Path = DEFAULT_KNOWLEDGE
    log_level: str = "INFO"
    dev_guild_id: int | None = None
    consent_text: str = DEFAULT_CONSENT_TEXT
    # The web server (calendar feed, event pages, /healthz): off unless a port is set.
    web_port: int | None = None
    web_host: str = "127.0.0.1"
    public_url: str | None = None  # how people reach it (the reverse proxy's https://...); links use it
    # Only for tests against the fake Discord server on 127.0.0.1; empty means the real Discord.
    api_base: str | None = None
    gateway_url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, *, dotenv: bool = True) -> Settings:
        """Build settings from ``env`` (default: ``os.environ`` after loading ``.env``)."""
        if env is None:
            if dotenv:
                load_dotenv(override=False)
            env = dict(os.environ)
        token = (env.get("DISCORD_TOKEN") or "").strip()
        level = (env.get("JETBOT_LOG_LEVEL") or "INFO").strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ConfigError(f"JETBOT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
        return cls(
            token=Secret(token) if token else None,
            application_id=_int_or_none("DISCORD_APPLICATION_ID", env.get("DISCORD_APPLICATION_ID")),
            database_path=Path(env.get("JETBOT_DB") or DEFAULT_DATABASE),
            knowledge_path=Path(env.get("JETBOT_KNOWLEDGE") or DEFAULT_KNOWLEDGE),
            log_level=level,
            dev_guild_id=_int_or_none("JETBOT_DEV_GUILD_ID", env.get("JETBOT_DEV_GUILD_ID")),
            consent_text=(env.get("JETBOT_CONSENT_TEXT") or DEFAULT_CONSENT_TEXT).strip(),
            web_port=_port(env.get("JETBOT_WEB_PORT")),
            web_host=(env.get("JETBOT_WEB_HOST") or "127.0.0.1").strip(),
            public_url=_public_url(env.get("JETBOT_PUBLIC_URL")),
            api_base=(env.get("JETBOT_DISCORD_API_BASE") or None),
            gateway_url=(env.get("JETBOT_DISCORD_GATEWAY") or None),
        )
