"""Newsletter sign-ups, consent records and exports (issue #4). No Discord imports.

Each server (chapter) has its own list. A sign-up stores the address, an optional name and a consent
record: when, in which server and channel, through which command, and which version of the consent
wording the member saw. The wording comes from the configuration; every distinct wording gets its own
version number (keyed by its SHA-256), so changing it never rewrites what earlier members agreed to.

Exports are plain functions returning bytes so that the files are tested without Discord.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import unicodedata
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from email_validator import EmailNotValidError, validate_email

from bot.clock import Clock, utcnow
from bot.csvfile import FORMULA_PREFIXES, csv_safe, write_csv  # noqa: F401  (csv_safe: public here too)
from bot.errors import RateLimited, UserError
from bot.storage import Database
from bot.storage.newsletter import ACTIVE, UNSUBSCRIBED, ConsentEvent, Subscription

log = logging.getLogger("jetbot.newsletter")

SUBSCRIBE_COMMAND = "/newsletter subscribe"
UNSUBSCRIBE_COMMAND = "/newsletter unsubscribe"
UNSUBSCRIBE_BUTTON = "/newsletter subscribe: Unsubscribe button"
MAX_EMAIL_LENGTH = 254  # RFC 5321 path limit, also what email-validator enforces
MAX_NAME_LENGTH = 100
SIGNUP_LIMIT = 5
SIGNUP_WINDOW = timedelta(hours=1)

ExportFormat = Literal["listmonk", "mailchimp"]
EXPORT_FORMATS: tuple[str, ...] = ("listmonk", "mailchimp")
LISTMONK_HEADER = ("email", "name", "attributes")
MAILCHIMP_HEADER = ("Email Address", "First Name", "Last Name", "Tags")


# -- input rules ----------------------------------------------------------------------------------
def normalize_email(raw: str) -> str:
    """The address as stored, or a UserError that tells the member what to fix.

    Syntax only (email-validator, no DNS look-up). Non-ASCII is refused outright: look-alike letters
    (a Cyrillic "а" in "pаypal.com", full-width "ａ") make an address that reads like another one.
    """
    text = (raw or "").strip()
    if not text:
        raise UserError("Please enter your email address.")
    if len(text) > MAX_EMAIL_LENGTH:
        raise UserError(f"That address is too long: an email address has at most {MAX_EMAIL_LENGTH} characters.")
    if not text.isascii():
        raise UserError(
            "That address contains characters other than plain letters, digits and punctuation "
            "(for example a Cyrillic or full-width letter that looks like a Latin one). "
            "Please type it again using plain ASCII characters only."
        )
    if any(ch.isspace() for ch in text):
        raise UserError("An email address cannot contain spaces. Please check it and try again.")
    if text.startswith(FORMULA_PREFIXES):
        raise UserError("An address starting with `=`, `+`, `-` or `@` can't be accepted. Please use another one.")
    try:
        result = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise UserError(f"That doesn't look like a valid email address: {exc}") from None
    return result.normalized


def normalize_name(raw: str | None) -> str:
    """Optional name: control characters dropped, whitespace collapsed, at most 100 characters."""
    cleaned = "".join(ch for ch in (raw or "") if unicodedata.category(ch)[0] != "C" or ch == " ")
    cleaned = " ".join(cleaned.split())
    if len(cleaned) > MAX_NAME_LENGTH:
        raise UserError(f"Please keep the name to {MAX_NAME_LENGTH} characters or fewer.")
    return cleaned


def consent_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- CSV files ------------------------------------------------------------------------------------
def _write_csv(header: Iterable[str], rows: Iterable[Iterable[str]]) -> bytes:
    # no BOM: listmonk would read it as part of the first header
    return write_csv(header, rows)


def split_name(name: str) -> tuple[str, str]:
    """Mailchimp wants first and last name apart: the first word, and the rest."""
    first, _, last = name.strip().partition(" ")
    return first, last.strip()


def consent_attributes(sub: Subscription, sha256: str | None = None) -> dict[str, object]:
    """The consent record as it travels to the mailing tool (ids as strings: JSON numbers lose precision)."""
    consent: dict[str, object] = {
        "given_at": sub.subscribed_at.isoformat(),
        "first_subscribed_at": sub.first_subscribed_at.isoformat(),
        "server_id": str(sub.guild_id),
        "channel_id": str(sub.channel_id) if sub.channel_id is not None else None,
        "command": sub.command,
        "wording_version": sub.consent_version,
    }
    if sha256:
        consent["wording_sha256"] = sha256
    return {"source": "jetbot", "consent": consent}


def listmonk_csv(subs: Iterable[Subscription], hashes: dict[int, str] | None = None) -> bytes:
    """listmonk's import format: ``email,name,attributes`` with attributes as a JSON object."""
    hashes = hashes or {}
    rows = (
        (s.email, s.name, json.dumps(consent_attributes(s, hashes.get(s.consent_version)), sort_keys=True))
        for s in subs
    )
    return _write_csv(LISTMONK_HEADER, rows)


def mailchimp_csv(subs: Iterable[Subscription]) -> bytes:
    """Mailchimp's import columns; tags say where the contact came from and which wording they agreed to."""
    rows = []
    for s in subs:
        first, last = split_name(s.name)
        rows.append((s.email, first, last, f"jetbot,consent-v{s.consent_version}"))
    return _write_csv(MAILCHIMP_HEADER, rows)


def _one_per_address(subs: list[Subscription]) -> list[Subscription]:
    """Two members may have given the same address: a mailing tool wants it once (the latest sign-up)."""
    latest: dict[str, Subscription] = {}
    for s in sorted(subs, key=lambda s: s.subscribed_at):
        latest[s.email.lower()] = s
    return sorted(latest.values(), key=lambda s: (s.subscribed_at, s.user_id))


# -- the service ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SignUp:
    subscription: Subscription
    previous: Subscription | None
    consent_text: str

    @property
    def changed_email(self) -> bool:
        return self.previous is not None and self.previous.active and self.previous.email != self.subscription.email


@dataclass(frozen=True)
class NewsletterStats:
    active: int
    unsubscribed: int
    joined_this_month: int
    month_start: datetime


@dataclass(frozen=True)
class ExportFile:
    filename: str
    data: bytes
    count: int


class NewsletterService:
    def __init__(self, db: Database, *, clock: Clock = utcnow, consent_text: str = "") -> None:
        self.db = db
        self.clock = clock
        self.consent_text = consent_text
        self._version: int | None = None
        # Sign-up attempt times per (server, member), in memory only: they are gone within the hour.
        self._attempts: dict[tuple[int, int], list[datetime]] = {}

    async def consent_version(self) -> int:
        """The version number of the current wording (numbered the first time it is used)."""
        if self._version is None:
            self._version = await self.db.newsletter.consent_version(
                consent_hash(self.consent_text), self.consent_text, self.clock()
            )
        return self._version

    def _count_attempt(self, guild_id: int, user_id: int) -> None:
        now = self.clock()
        key = (guild_id, user_id)
        recent = [t for t in self._attempts.get(key, []) if now - t < SIGNUP_WINDOW]
        if len(recent) >= SIGNUP_LIMIT:
            self._attempts[key] = recent
            wait = max(1, math.ceil((recent[0] + SIGNUP_WINDOW - now).total_seconds() / 60))
            raise RateLimited(
                f"That's {SIGNUP_LIMIT} sign-up attempts in the last hour, which is the limit. "
                f"Please try again in about {wait} minute{'s' if wait != 1 else ''}."
            )
        recent.append(now)
        self._attempts[key] = recent
        if len(self._attempts) > 10_000:  # keep memory bounded on a busy bot
            self._attempts = {k: v for k, v in self._attempts.items() if v and now - v[-1] < SIGNUP_WINDOW}

    async def subscribe(
        self, guild_id: int, user_id: int, email: str, name: str | None = None, *,
        channel_id: int | None, command: str = SUBSCRIBE_COMMAND,
    ) -> SignUp:
        """Sign a member up (or change their address/name), recording their consent to the current wording."""
        self._count_attempt(guild_id, user_id)  # bad attempts count too, so the list cannot be flooded
        address = normalize_email(email)
        clean_name = normalize_name(name)
        version = await self.consent_version()
        before, after = await self.db.newsletter.subscribe(
            guild_id, user_id, email=address, name=clean_name, when=self.clock(), channel_id=channel_id,
            command=command, consent_version=version,
        )
        log.info("newsletter: user %s %s in guild %s (consent v%s)", user_id,
                 "updated their sign-up" if before is not None and before.active else "subscribed", guild_id, version)
        return SignUp(after, before, self.consent_text)

    async def unsubscribe(
        self, guild_id: int, user_id: int, *, channel_id: int | None = None, command: str = UNSUBSCRIBE_COMMAND
    ) -> Subscription | None:
        """End the member's subscription at once; None if they were not subscribed."""
        sub = await self.db.newsletter.unsubscribe(
            guild_id, user_id, when=self.clock(), channel_id=channel_id, command=command
        )
        if sub is not None:
            log.info("newsletter: user %s unsubscribed in guild %s", user_id, guild_id)
        return sub

    async def status(self, guild_id: int, user_id: int) -> Subscription | None:
        return await self.db.newsletter.get(guild_id, user_id)

    async def stats(self, guild_id: int) -> NewsletterStats:
        """Counts for organisers; "this month" is the calendar month in the chapter's time zone."""
        settings = await self.db.settings.get(guild_id)
        try:
            tz = zoneinfo.ZoneInfo(settings.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            tz = zoneinfo.ZoneInfo("UTC")
        local = self.clock().astimezone(tz)
        month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        active, unsubscribed, recent = await self.db.newsletter.counts(guild_id, month_start)
        return NewsletterStats(active, unsubscribed, recent, month_start)

    async def export(self, guild_id: int, fmt: str, status: str = ACTIVE) -> ExportFile:
        """The CSV file an organiser imports into their mailing tool (active subscribers by default;
        ``unsubscribed`` gives the people to remove or block-list there)."""
        if fmt not in EXPORT_FORMATS:
            raise UserError(f"Unknown export format {fmt!r}: choose listmonk or mailchimp.")
        if status not in (ACTIVE, UNSUBSCRIBED):
            raise UserError("Choose active or unsubscribed members.")
        subs = _one_per_address(await self.db.newsletter.list_by_status(guild_id, status))
        if fmt == "listmonk":
            hashes: dict[int, str] = {}
            for version in {s.consent_version for s in subs}:
                text = await self.db.newsletter.consent_text(version)
                if text is not None:
                    hashes[version] = text.sha256
            data = listmonk_csv(subs, hashes)
        else:
            data = mailchimp_csv(subs)
        stamp = self.clock().strftime("%Y%m%d")
        log.info("newsletter: exported %d %s subscribers of guild %s as %s", len(subs), status, guild_id, fmt)
        return ExportFile(f"newsletter-{status}-{fmt}-{stamp}.csv", data, len(subs))

    # -- members' data rights (called by PrivacyService) -----------------------------------------
    async def export_member(self, guild_id: int, user_id: int) -> dict[str, object] | None:
        """Everything the newsletter keeps about one member in one server, with the wording they saw."""
        sub = await self.db.newsletter.get(guild_id, user_id)
        events = await self.db.newsletter.consent_log(guild_id, user_id)
        if sub is None and not events:
            return None
        wordings: dict[str, str] = {}
        for version in sorted({e.consent_version for e in events if e.consent_version} |
                              ({sub.consent_version} if sub else set())):
            text = await self.db.newsletter.consent_text(version)
            if text is not None:
                wordings[str(version)] = text.text
        return {
            "subscription": None if sub is None else _subscription_dict(sub),
            "consent_history": [_event_dict(e) for e in events],
            "consent_wordings": wordings,
        }

    async def erase_member(self, guild_id: int, user_id: int) -> tuple[int, int]:
        """Delete the member's subscription and consent history in this server: (subscriptions, history rows)."""
        subs, history = await self.db.newsletter.erase(guild_id, user_id)
        log.info("newsletter: erased data of user %s in guild %s (%d subscription rows, %d history rows)",
                 user_id, guild_id, subs, history)
        return subs, history


def _subscription_dict(sub: Subscription) -> dict[str, object]:
    return {
        "email": sub.email,
        "name": sub.name,
        "status": sub.status,
        "subscribed_at": sub.subscribed_at.isoformat(),
        "first_subscribed_at": sub.first_subscribed_at.isoformat(),
        "unsubscribed_at": sub.unsubscribed_at.isoformat() if sub.unsubscribed_at else None,
        "server_id": str(sub.guild_id),
        "channel_id": str(sub.channel_id) if sub.channel_id is not None else None,
        "command": sub.command,
        "consent_wording_version": sub.consent_version,
    }


def _event_dict(e: ConsentEvent) -> dict[str, object]:
    return {
        "action": e.action,
        "at": e.at.isoformat(),
        "channel_id": str(e.channel_id) if e.channel_id is not None else None,
        "command": e.command,
        "consent_wording_version": e.consent_version,
    }
