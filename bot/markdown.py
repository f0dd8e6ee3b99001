"""Member- and organiser-typed text placed inside Discord markdown, shown as typed.

``discord.utils.escape_markdown`` leaves ``]`` and ``(`` alone, so a title such as
``Free beer](https://evil.example/phish) [Details`` placed in ``[title](link)`` would close the link
text early and turn the rest into a masked link to another site. ``escape`` backslash-escapes every
character Discord's markdown gives a meaning to (links, emphasis, code, spoilers, mentions and
timestamps in ``<...>``, and headings, quotes and lists at the start of a line), and folds line breaks
so a one-line value stays one line.
"""

from __future__ import annotations

import re

_INLINE = re.compile(r"([\\*_~`|\[\]()<>])")
_LINE_START = re.compile(r"^(\s*)([#>\-+]|\d+\.)", re.MULTILINE)


def escape(text: str) -> str:
    """``text`` as literal characters in Discord markdown, on one line."""
    one_line = " ".join(str(text).split())
    escaped = _INLINE.sub(r"\\\1", one_line)
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


def bold(text: str) -> str:
    """``**text**`` with ``text`` escaped."""
    return f"**{escape(text)}**"


def link(text: str, url: str | None) -> str:
    """A masked link whose text is shown as typed; bold text when there is no link."""
    return f"[{escape(text)}]({url})" if url else bold(text)


__all__ = ["bold", "escape", "link"]
