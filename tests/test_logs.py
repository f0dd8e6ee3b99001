"""bot/ops/logs.py: one line per record on stdout (a traceback stays on its line), or one JSON object."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest

from bot.ops.logs import JsonFormatter, OneLineFormatter, setup_logging


@pytest.fixture
def root_handlers() -> Iterator[None]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        yield
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def failing_record() -> logging.LogRecord:
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        record = logging.getLogger("jetbot.test").makeRecord(
            "jetbot.test", logging.ERROR, __file__, 1, "could not %s\nthe post", ("refresh",), sys.exc_info())
    return record


def test_text_is_one_line_with_time_level_logger_and_the_traceback_on_it() -> None:
    line = OneLineFormatter().format(failing_record())
    assert "\n" not in line and "\r" not in line
    assert " ERROR   jetbot.test: could not refresh\\nthe post | Traceback" in line
    assert "ValueError: bad\\nvalue" in line
    assert line[:24].endswith("Z") and line[10] == "T"  # UTC, ISO 8601, milliseconds


def test_json_is_one_object_per_line_with_the_exception_as_a_field() -> None:
    line = JsonFormatter().format(failing_record())
    assert "\n" not in line
    data = json.loads(line)
    assert data["level"] == "ERROR" and data["logger"] == "jetbot.test"
    assert data["message"] == "could not refresh\nthe post"
    assert data["exception"].startswith("Traceback") and "ValueError: bad" in data["exception"]
    assert data["time"].endswith("Z")


@pytest.mark.usefixtures("root_handlers")
def test_setup_logging_writes_to_stdout_in_the_chosen_format(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("INFO", "json")
    logging.getLogger("jetbot").info("started in %d servers", 3)
    logging.getLogger("jetbot").debug("not at INFO")
    out = capsys.readouterr()
    [line] = out.out.splitlines()
    assert json.loads(line)["message"] == "started in 3 servers" and out.err == ""


@pytest.mark.usefixtures("root_handlers")
def test_a_second_setup_replaces_the_handler_instead_of_doubling_lines() -> None:
    stream = io.StringIO()
    setup_logging("INFO", "text", stream=stream)
    setup_logging("INFO", "text", stream=stream)
    logging.getLogger("jetbot").warning("once")
    assert stream.getvalue().count("once") == 1
