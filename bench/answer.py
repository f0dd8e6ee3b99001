"""Benchmark the answer engine: load + index time, per-question latency, accuracy as the KB grows.

    python bench/answer.py            # a table
    python bench/answer.py --json     # the same numbers as JSON

Sizes: the shipped knowledge/ folder, then generated knowledge bases of 1,000 and 10,000 entries
(plausible entries about fictional towns, chapters, festivals and exchanges, in the same vocabulary
as the real ones, with the real entries mixed in). Accuracy is measured on tests/data/questions.yaml
at every size: growing the knowledge base must not make the engine answer worse or guess more.
Latency is measured "cold": the engine's word-resolution cache is cleared before every question,
so the numbers do not flatter repeated questions. As with ``timeit``, garbage collection is paused
while timing (a collection pause costs a few ms and lands on a random question).
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from bot.knowledge import AnswerEngine, Entry, KnowledgeBase, load_knowledge  # noqa: E402

QUESTIONS = ROOT / "tests" / "data" / "questions.yaml"
SYLLABLES = ["ka", "mi", "ya", "ma", "to", "shi", "ta", "na", "ga", "wa", "ha", "ra", "no", "su", "ki", "sa",
             "mo", "ri", "hi", "ku", "se", "do", "zu", "ko", "fu", "ne", "yo", "be", "chi", "tsu"]
TOWN_SUFFIX = ["", "", "machi", "mura", "gawa", "yama", "hama", "saki", "shima", "oka"]
WEST = ["Leeds", "Bristol", "Cardiff", "Aberdeen", "Cork", "Galway", "Utrecht", "Aarhus", "Bergen", "Turku",
        "Boise", "Spokane", "Tacoma", "Halifax", "Regina", "Lyon", "Graz", "Malmo", "Tampere", "Hull"]
TEMPLATES = [
    ("{Town} International Association", "clair",
     ["What does the {Town} International Association do?", "{town} international association events",
      "who runs the international association in {Town}"], ["{Town} IA", "{Town} International Association"],
     "The {Town} International Association organises language classes, homestays and festivals for residents."),
    ("JETAA {Region} chapter: {event}", "alumni",
     ["When is the {Region} chapter {event}?", "JETAA {Region} {event} details", "{region} alumni {event}"],
     ["JETAA {Region} {event}"], "The {Region} chapter holds its {event} every year for alumni and applicants."),
    ("Sister cities: {Town} and {West}", "exchange",
     ["Is {Town} twinned with {West}?", "{Town} {West} sister city", "when did {Town} and {West} link up"],
     ["{Town}-{West} partnership"], "{Town} and {West} have exchanged school and council delegations."),
    ("{Town} {festival} festival", "exchange",
     ["What happens at the {Town} {festival} festival?", "{festival} festival in {Town}"],
     ["{Town} {festival} matsuri"], "The {festival} festival in {Town} welcomes visitors from its partner cities."),
    ("{Town} board of education: ALT placements", "roles",
     ["How many ALTs does {Town} board of education have?", "{Town} ALT placement schools"],
     ["{Town} BOE"], "The {Town} board of education places ALTs in its junior high schools."),
]
EVENTS = ["summer picnic", "career fair", "bonenkai", "shinnenkai", "pub quiz", "film night", "hanami",
          "language exchange", "returnee welcome", "pre-departure reception", "hiking day", "karaoke night"]
FESTIVALS = ["lantern", "snow", "fireworks", "rice", "kite", "taiko", "tanabata", "lotus", "maple", "harbour"]
REGIONS = ["Northern England", "Scotland", "Wales", "Ireland", "Midlands", "London", "Pacific Northwest",
           "New England", "Texas", "Ontario", "Quebec", "Alberta", "Benelux", "Nordic", "Bavaria"]


def _town(rng: random.Random) -> str:
    name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))) + rng.choice(TOWN_SUFFIX)
    return name.capitalize()


def synthetic_kb(real: KnowledgeBase, size: int, seed: int = 7) -> KnowledgeBase:
    """``size`` entries: the real ones plus generated ones with unique ids and realistic vocabulary."""
    rng = random.Random(seed)
    entries: list[Entry] = list(real.entries)
    n = 0
    while len(entries) < size:
        title, category, questions, aliases, answer = TEMPLATES[n % len(TEMPLATES)]
        town = _town(rng)
        values = {"Town": town, "town": town.lower(), "West": rng.choice(WEST), "Region": rng.choice(REGIONS),
                  "event": rng.choice(EVENTS), "festival": rng.choice(FESTIVALS)}
        values["region"] = values["Region"].lower()
        entries.append(Entry(
            id=f"synthetic-{n}", title=title.format(**values)[:100], category=category,
            answer=answer.format(**values), questions=tuple(q.format(**values) for q in questions),
            aliases=tuple(a.format(**values) for a in aliases), source="generated for the benchmark",
            file="<synthetic>", line=n + 1,
        ))
        n += 1
    rng.shuffle(entries)
    return replace(real, entries=tuple(entries), by_id={})


def accuracy(engine: AnswerEngine, items: list[dict]) -> tuple[float, float]:
    inscope = [i for i in items if not i.get("oos")]
    oos = [i for i in items if i.get("oos")]
    right = 0
    for item in inscope:
        a = engine.answer(item["q"])
        right += bool(a.matched and a.entry is not None and a.entry.id in item["ids"])
    declined = sum(not engine.answer(item["q"]).matched for item in oos)
    return right / max(1, len(inscope)), declined / max(1, len(oos))


def latency(engine: AnswerEngine, questions: list[str], rounds: int) -> tuple[float, float]:
    samples: list[float] = []
    gc.collect()
    gc.disable()  # like timeit: a collection pause would be charged to whichever question it hit
    try:
        _timed(engine, questions, rounds, samples)
    finally:
        gc.enable()
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    return statistics.median(samples) * 1000, p99 * 1000


def _timed(engine: AnswerEngine, questions: list[str], rounds: int, samples: list[float]) -> None:
    for _ in range(rounds):
        for q in questions:
            engine._resolve_cache.clear()  # cold: no help from earlier questions
            t0 = time.perf_counter()
            engine.answer(q)
            samples.append(time.perf_counter() - t0)


def run(rounds: int) -> dict:
    real = load_knowledge(ROOT / "knowledge")
    items = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    questions = [i["q"] for i in items]
    t0 = time.perf_counter()
    AnswerEngine(load_knowledge(ROOT / "knowledge")).answer("JETプログラムとは")  # Janome, word list
    first_engine_s = time.perf_counter() - t0
    load_times = []
    for _ in range(5):
        t0 = time.perf_counter()
        AnswerEngine(load_knowledge(ROOT / "knowledge"))
        load_times.append(time.perf_counter() - t0)
    rows = []
    for size in (len(real.entries), 1000, 10000):
        kb = real if size == len(real.entries) else synthetic_kb(real, size)
        t0 = time.perf_counter()
        engine = AnswerEngine(kb)
        index_s = time.perf_counter() - t0
        median_ms, p99_ms = latency(engine, questions, rounds)
        answered, declined = accuracy(engine, items)
        rows.append({"entries": len(kb.entries), "index_s": round(index_s, 3), "median_ms": round(median_ms, 3),
                     "p99_ms": round(p99_ms, 3), "answered": round(answered, 4), "declined": round(declined, 4)})
    import resource

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    import os

    return {
        "machine": {"cpus": os.cpu_count(), "cpu": cpu, "python": platform.python_version()},
        "questions": len(questions), "rounds": rounds,
        "load_and_index_shipped_s": round(statistics.median(load_times), 4),
        "first_engine_s": round(first_engine_s, 3),
        "peak_rss_mb": round(rss_mb, 1),
        "sizes": rows,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--rounds", type=int, default=5, help="passes over the question set per size")
    args = ap.parse_args()
    result = run(args.rounds)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    m = result["machine"]
    print(f"machine: {m['cpus']} CPUs, {m['cpu']}, Python {m['python']}")
    print(f"first engine in a fresh process (Janome dictionary, English word list): {result['first_engine_s']:.2f} s")
    print(f"load + index the shipped knowledge base: {result['load_and_index_shipped_s'] * 1000:.1f} ms")
    print(f"{result['questions']} questions x {result['rounds']} rounds per size (cold cache)")
    print(f"{'entries':>8} {'index s':>8} {'median ms':>10} {'p99 ms':>8} {'answered':>9} {'declined':>9}")
    for r in result["sizes"]:
        print(f"{r['entries']:>8} {r['index_s']:>8.3f} {r['median_ms']:>10.3f} {r['p99_ms']:>8.3f} "
              f"{r['answered']:>9.1%} {r['declined']:>9.1%}")
    print(f"peak resident memory of this process (all three sizes built): {result['peak_rss_mb']:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
