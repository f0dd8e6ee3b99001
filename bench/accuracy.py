"""Accuracy of the answer engine on question sets, from this repository alone.

    python bench/accuracy.py                      # every set in tests/data
    python bench/accuracy.py tests/data/tuning20.yaml -v   # one set, every miss printed

A set is a YAML list of ``{q, ids}`` (tests/data/questions.yaml, heldout*.yaml: any listed entry is
right) or ``{q, need}`` (written from the documents; judged by tests/scoring.py). Out-of-scope items
have ``oos: true``. Prints, per set: in scope answered right, out of scope declined, and the share of
all questions answered confidently wrong.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from bot.knowledge import AnswerEngine, load_knowledge  # noqa: E402
from tests.scoring import judge  # noqa: E402


def right(item: dict[str, Any], matched: bool, entry_id: str | None, text: str) -> bool:
    if "ids" in item:
        return (not matched) if item.get("oos") else (matched and entry_id in item["ids"])
    return judge(item, matched, text)


def score(engine: AnswerEngine, path: Path, verbose: bool) -> str:
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    n_in = n_oos = ok_in = ok_oos = wrong = 0
    for item in items:
        answer = engine.answer(item["q"])
        entry_id = answer.entry.id if answer.matched and answer.entry else None
        ok = right(item, answer.matched, entry_id, answer.text)
        if item.get("oos"):
            n_oos += 1
            ok_oos += ok
        else:
            n_in += 1
            ok_in += ok
        wrong += answer.matched and not ok
        if verbose and not ok:
            print(f"  miss: {item['q']!r} -> {entry_id or answer.reason}")
    return (f"{path.name:28} in scope {ok_in / max(1, n_in):6.1%} of {n_in:3}  declined {ok_oos / max(1, n_oos):6.1%} "
            f"of {n_oos:3}  confidently wrong {wrong / max(1, len(items)):5.1%}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sets", nargs="*", type=Path)
    ap.add_argument("-v", "--verbose", action="store_true", help="print every miss")
    args = ap.parse_args()
    engine = AnswerEngine(load_knowledge(ROOT / "knowledge"))
    for path in args.sets or sorted((ROOT / "tests" / "data").glob("*.yaml")):
        print(score(engine, path, args.verbose))


if __name__ == "__main__":
    main()
