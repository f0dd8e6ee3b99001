"""Log records as one line each, on stdout: ``text`` for people and journald, ``json`` for collectors.

A traceback stays on the record's line (newlines escaped), so ``grep`` and log shippers never split
one event into many.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any, TextIO

QUIET_LOGGERS = ("discord", "aiosqlite")  # aiosqlite logs statements with their parameters at DEBUG


def _utc(record: logging.LogRecord) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"


class OneLineFormatter(logging.Formatter):
    """``2026-12-01T12:00:00.000Z INFO    jetbot: message | Traceback ...\\n ...``"""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_utc(record)} {record.levelname:<7} {record.name}: {record.getMessage()}"
        if record.exc_info:
            line += " | " + self.formatException(record.exc_info)
        return line.replace("\r", "\\r").replace("\n", "\\n")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {"time": _utc(record), "level": record.levelname, "logger": record.name,
                                "message": record.getMessage()}
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def setup_logging(level: str = "INFO", fmt: str = "text", stream: TextIO | None = None) -> None:
    """Configure the root logger once (a second call replaces the handler, for tests)."""
    numeric = getattr(logging, level.upper(), logging.INFO)
    handler = logging.StreamHandler(stream if stream is not None else sys.stdout)
    handler.setFormatter(JsonFormatter() if fmt == "json" else OneLineFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(numeric)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.INFO, numeric))
