"""The knowledge command line: jetbot ask / kb check / kb export, without a token or network."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.knowledge.cli import ask_command, kb_check, kb_export, repl

SMALL = Path(__file__).resolve().parent / "data" / "kb_small"
ROOT = Path(__file__).resolve().parent.parent


def test_ask_prints_title_answer_and_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert ask_command(["what", "does", "a", "CIR", "do?"], as_json=False, batch=None, knowledge=SMALL) == 0
    out = capsys.readouterr().out
    assert out.startswith("Coordinator for International Relations (CIR)\n")
    assert "local government office" in out
    assert "Source: Test fixture one; Test fixture two" in out


def test_ask_declines_in_words(capsys: pytest.CaptureFixture[str]) -> None:
    assert ask_command(["Where can I buy sea salt in London?"], as_json=False, batch=None, knowledge=SMALL) == 0
    out = capsys.readouterr().out
    assert out.startswith("Not sure")
    assert "Sports Exchange Advisor (SEA)" in out  # the suggestion


def test_ask_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert ask_command(["ALT meaning"], as_json=True, batch=None, knowledge=SMALL) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"matched", "entry_id", "score", "answer", "suggestions", "reason", "related"}
    assert data["matched"] is True and data["entry_id"] == "alt-role" and data["reason"] is None
    assert "schools" in data["answer"]


def test_batch_keeps_order_and_count_including_blank_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    batch = tmp_path / "q.txt"
    batch.write_text("what does a CIR do\n\nqwertyuiop\nJETプログラムとは\n", encoding="utf-8")
    assert ask_command([], as_json=True, batch=str(batch), knowledge=SMALL) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    replies = [json.loads(line) for line in lines]
    assert [r["entry_id"] for r in replies] == ["cir-role", None, None, "jet-programme"]
    assert [r["matched"] for r in replies] == [True, False, False, True]


def test_broken_kb_is_a_short_message_and_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("entries:\n  - id: x\n    title: [oops\n", encoding="utf-8")
    assert ask_command(["cir"], as_json=True, batch=None, knowledge=bad) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "bad.yaml:" in captured.err and "Traceback" not in captured.err


def test_kb_check_on_broken_file_prints_file_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("entries:\n  - id: ok-id\n    title: T\n    category: nonsense\n", encoding="utf-8")
    assert kb_check(bad) == 1
    out = capsys.readouterr().out
    assert f"{bad}:4: entry 'ok-id': unknown category 'nonsense'" in out


def test_kb_export_fields(capsys: pytest.CaptureFixture[str]) -> None:
    assert kb_export(SMALL) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data) == 8
    fields = {"id", "title", "category", "questions", "aliases", "answer", "source", "citation"}
    assert all(set(item) == fields for item in data)
    cir = next(item for item in data if item["id"] == "cir-role")
    assert cir["aliases"][0] == "CIR" and cir["source"] == "Test fixture one; Test fixture two"
    assert cir["citation"] == cir["source"]  # kb_small has no sources.yaml: the text is the citation


def test_repl_answers_until_quit(capsys: pytest.CaptureFixture[str]) -> None:
    assert repl(SMALL, stdin=io.StringIO("what is clair\nquit\nwhat does a CIR do\n")) == 0
    out = capsys.readouterr().out
    assert "Council of Local Authorities" in out
    assert "local government office" not in out  # stopped at "quit"


def test_python_m_bot_batch_in_one_process(tmp_path: Path) -> None:
    batch = tmp_path / "q.txt"
    batch.write_text("CIR\nclair\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", "--batch", str(batch), "--knowledge", str(SMALL)],
        capture_output=True, text=True, encoding="utf-8", cwd=ROOT, env=env, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(line)["entry_id"] for line in proc.stdout.splitlines()] == ["cir-role", "clair"]
