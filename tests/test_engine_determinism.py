"""The same question gets the same answer and score in every process, whatever Python's hash seed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
# A question whose two best phrasings overlap it equally: the tie once went to whichever came first
# in hash order, so its score moved between runs.
TIED = "what data does the bot keep about me"


def batch(questions: Path, seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    env = {k: v for k, v in env.items() if not k.startswith(("JETBOT_", "DISCORD_"))}
    proc = subprocess.run([sys.executable, "-m", "bot", "ask", "--json", "--batch", str(questions)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True)
    return proc.stdout


def test_answers_do_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    items = yaml.safe_load((ROOT / "tests/data/questions.yaml").read_text(encoding="utf-8"))
    questions = [TIED] + [it["q"].replace("\n", " ") for it in items[::4]]
    path = tmp_path / "questions.txt"
    path.write_text("\n".join(questions) + "\n", encoding="utf-8")
    first, second = batch(path, "1"), batch(path, "2")
    assert len(first.splitlines()) == len(questions)
    assert first == second
