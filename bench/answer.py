"""Benchmark the answer engine: load + index time, per-question latency, accuracy as the KB grows.

    python bench/answer.py            # a table
    python bench/answer.py --json     # the same numbers as JSON
    python bench/answer.py --chapters # chapter knowledge: 100 servers x 500 entries over the shipped base

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
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from machine import cpu_model  # noqa: E402  (bench/ is on the path when run as a script)

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
            engine.vocabulary.cache.clear()  # cold: no help from earlier questions
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
    cpu = cpu_model()
    import os

    return {
        "machine": {"cpus": os.cpu_count(), "cpu": cpu, "python": platform.python_version()},
        "questions": len(questions), "rounds": rounds,
        "load_and_index_shipped_s": round(statistics.median(load_times), 4),
        "first_engine_s": round(first_engine_s, 3),
        "peak_rss_mb": round(rss_mb, 1),
        "sizes": rows,
    }


# -- chapter knowledge at scale --------------------------------------------------------------------------
CHAPTER_TEMPLATES = [
    ("{Town} {event}", ["When is the {town} {event}?", "{event} in {Town}: time and place",
                        "how do I sign up for the {Town} {event}"], ["{Town} {event}"],
     "The {Town} {event} is on the first {day} of the month at the {venue}, from 7pm. Sign up on the events channel."),
    ("Membership fee for {Town} members",
     ["Is there a membership fee in {Town}?", "how much does {town} membership cost", "do {Town} members pay dues"],
     ["{Town} dues"],
     "Members in {Town} pay no fee; some events at the {venue} charge a small amount at the door."),
    ("{Town} committee roles", ["How do I join the {Town} committee?", "{town} committee elections",
                                "who is on the {Town} committee"], ["{Town} committee"],
     "The {Town} committee is elected every spring; nominations open a month before at the {venue}."),
    ("{Town} Japanese lessons", ["Where do the {Town} Japanese lessons meet?", "{town} japanese class level",
                                 "are the {Town} lessons free"], ["{Town} lessons", "{Town} nihongo"],
     "Japanese lessons in {Town} meet every {day} at the {venue}; all levels, free for members."),
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
VENUES = ["Crown", "Swan", "library", "community centre", "town hall", "Red Lion", "university", "tea room"]


def chapter_drafts(rng: random.Random, count: int) -> list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]:
    """``count`` plausible chapter entries (title, answer, questions, aliases) with unique titles."""
    out: dict[str, tuple[str, str, tuple[str, ...], tuple[str, ...]]] = {}
    n = 0
    while len(out) < count:
        title, questions, aliases, answer = CHAPTER_TEMPLATES[n % len(CHAPTER_TEMPLATES)]
        town = _town(rng)
        v = {"Town": town, "town": town.lower(), "event": rng.choice(EVENTS), "day": rng.choice(DAYS),
             "venue": rng.choice(VENUES)}
        t = title.format(**v)[:100]
        if t.casefold() not in out:
            out[t.casefold()] = (t, answer.format(**v), tuple(q.format(**v) for q in questions),
                                 tuple(a.format(**v) for a in aliases))
        n += 1
    return list(out.values())


def _rss_mb() -> float:
    """Resident memory now (not the peak), from /proc; 0 where there is none."""
    status = Path("/proc/self/status")
    if not status.exists():
        return 0.0
    line = next(x for x in status.read_text().splitlines() if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def _ms(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {"median_ms": round(statistics.median(samples) * 1000, 3),
            "p99_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))] * 1000, 3),
            "max_ms": round(samples[-1] * 1000, 3)}


async def chapter_scale(servers: int = 100, per_server: int = 500, seed: int = 11, budget: int | None = None) -> dict:
    """The shipped base plus ``servers`` chapters of ``per_server`` entries each, in one process and one
    SQLite file, through the real services: overlay build time, memory (tracemalloc and resident),
    per-question latency, and how long an add, edit or removal takes to answer differently."""
    import tempfile
    import tracemalloc

    from bot.ask import AskService
    from bot.chapter_kb import ChapterKnowledge, EntryDraft
    from bot.clock import FakeClock
    from bot.knowledge import KnowledgeService
    from bot.storage import Database
    from bot.storage.chapter_kb import EntryRow

    class NoEvents:
        async def answer_question(self, guild_id: int, question: str) -> None:
            return None

    rng = random.Random(seed)
    items = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    knowledge = KnowledgeService.load(ROOT / "knowledge")
    knowledge.answer("JETプログラムとは")  # Janome and the word list, once
    shared_engine = knowledge.engine
    clock = FakeClock()
    guilds = [1000 + g for g in range(servers)]
    with tempfile.TemporaryDirectory(prefix="jetbot-bench-") as tmp:
        db = await Database(Path(tmp) / "bench.sqlite3").open()
        try:
            # Everything in the database first, as after months of use; no overlay is built yet.
            drafts: dict[int, list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]] = {}
            for g in guilds:
                drafts[g] = chapter_drafts(rng, per_server)
                now = clock()
                rows = [EntryRow(g, f"c-{i}", t, "chapter", a, q, al, 1, now, 1, now)
                        for i, (t, a, q, al) in enumerate(drafts[g])]
                await db.chapter_kb.replace_all(g, rows, keep_others=False)
            budget = budget or servers * per_server  # by default every overlay stays in memory
            service = ChapterKnowledge(db, knowledge, clock=clock, overlay_budget=budget)
            ask = AskService(knowledge, NoEvents(), db, service)  # type: ignore[arg-type]

            gc.collect()
            rss_before = _rss_mb()
            build: list[float] = []
            for g in guilds:
                t0 = time.perf_counter()
                await service.ensure(g)
                build.append(time.perf_counter() - t0)
            gc.collect()
            rss_after = _rss_mb()
            t0 = time.perf_counter()
            gc.collect()  # a full collection as the bot pays it (large overlays are frozen out of it)
            gc_full = time.perf_counter() - t0
            gc_everything = service.collect_frozen()  # what the clean-up job pays, every 6 hours
            # The same build again under tracemalloc (slower, so not timed): what the overlays hold.
            for g in guilds:
                knowledge.drop_overlay(g)
            gc.collect()
            tracemalloc.start()
            for g in guilds:
                await service.ensure(g)
            traced_now, traced_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            resident = service.resident()

            # Questions: the shared test set and each chapter's own phrasings, asked in random servers.
            shared_qs = [i["q"] for i in items]
            local_qs = [(g, rng.choice(d[2])) for g in guilds for d in rng.sample(drafts[g], 5)]
            overlays = knowledge._overlays  # the bench clears every engine's word cache, like above

            def cold(g: int | None) -> None:
                knowledge.engine.vocabulary.cache.clear()
                overlay = overlays.get(g) if g is not None else None
                if overlay is not None and overlay.engine is not None:
                    overlay.engine.vocabulary.cache.clear()

            alone, layered, own, full = [], [], [], []
            right = 0
            gc.collect()
            gc.disable()
            try:
                for q in shared_qs:
                    cold(None)
                    t0 = time.perf_counter()
                    knowledge.answer(q)
                    alone.append(time.perf_counter() - t0)
                    g = rng.choice(guilds)
                    cold(g)
                    t0 = time.perf_counter()
                    knowledge.answer(q, g)
                    layered.append(time.perf_counter() - t0)
                for g, q in local_qs:
                    cold(g)
                    t0 = time.perf_counter()
                    a = knowledge.answer(q, g)
                    own.append(time.perf_counter() - t0)
                    right += bool(a.matched and a.entry is not None and a.entry.id.startswith("c-"))
                for g, q in local_qs[:200]:
                    t0 = time.perf_counter()
                    await ask.ask(g, q)  # the whole /ask path: counters and the database included
                    full.append(time.perf_counter() - t0)
            finally:
                gc.enable()
            inscope = [i for i in items if not i.get("oos")]
            kept = sum(bool((a := knowledge.answer(i["q"], guilds[0])).matched and a.entry is not None
                            and a.entry.id in i["ids"]) for i in inscope)
            kept_alone = sum(bool((a := knowledge.answer(i["q"])).matched and a.entry is not None
                                  and a.entry.id in i["ids"]) for i in inscope)

            # Edits: from the organiser's submit until /ask gives the new text. Wall time, and the CPU time
            # of this process (all threads): on a shared machine the difference is time spent waiting.
            timed: dict[str, list[float]] = defaultdict(list)

            class Step:
                def __init__(self, name: str) -> None:
                    self.name = name

                def __enter__(self) -> None:
                    self.wall, self.cpu = time.perf_counter(), time.process_time()

                def __exit__(self, *exc: object) -> None:
                    timed[self.name].append(time.perf_counter() - self.wall)
                    timed[self.name + "_cpu"].append(time.process_time() - self.cpu)

            for n, g in enumerate(rng.sample(guilds, min(20, servers))):
                title, answer, questions, aliases = drafts[g][n]
                marker = f"changed-{n}"
                with Step("edit"):
                    await service.edit(g, 2, f"c-{n}", EntryDraft(title, f"{answer} ({marker})", questions, aliases))
                    result = await ask.ask(g, questions[0])
                assert result.answer is not None and result.answer.entry is not None
                assert marker in result.answer.entry.answer, (g, questions[0], result.answer.entry.id)
                with Step("remove"):
                    await service.remove(g, f"c-{n}")
                    gone = await ask.ask(g, questions[0])
                assert gone.answer is None or gone.answer.entry is None or gone.answer.entry.id != f"c-{n}"
                with Step("add"):
                    row = await service.add(g, 2, EntryDraft(title, answer, questions, aliases))
                    back = await ask.ask(g, questions[0])
                assert back.answer is not None and back.answer.entry is not None
                assert back.answer.entry.id == row.entry_id
                # A server whose overlay was dropped (over the budget): its next question builds it.
                knowledge.drop_overlay(g)
                with Step("first"):
                    await ask.ask(g, questions[1])
            assert knowledge.engine is shared_engine, "the shared index was rebuilt"
        finally:
            await db.close()
            gc.unfreeze()
    return {
        "servers": servers, "entries_per_server": per_server, "chapter_entries": servers * per_server,
        "overlay_budget": budget, "resident_overlays": len(resident), "resident_entries": sum(resident.values()),
        "shared_entries": len(knowledge.kb.entries),
        "overlay_build_s": {"total": round(sum(build), 2), "median_ms": round(statistics.median(build) * 1000, 1),
                            "max_ms": round(max(build) * 1000, 1)},
        "memory": {"rss_before_overlays_mb": round(rss_before, 1), "rss_after_overlays_mb": round(rss_after, 1),
                   "overlays_traced_mb": round(traced_now / 2**20, 1),
                   "overlays_traced_peak_mb": round(traced_peak / 2**20, 1),
                   "full_gc_ms": round(gc_full * 1000, 1), "frozen": service.frozen,
                   "gc_everything_ms": round(gc_everything * 1000, 1)},
        "question_shared_only": _ms(alone), "question_shared_in_a_chapter_server": _ms(layered),
        "question_chapter_entry": _ms(own), "question_full_ask_path": _ms(full),
        "chapter_questions_answered_by_their_entry": round(right / len(local_qs), 4),
        "shared_in_scope_answered": {"without_overlay": round(kept_alone / len(inscope), 4),
                                     "with_overlay": round(kept / len(inscope), 4)},
        "edit_to_answer": _ms(timed["edit"]), "remove_to_answer": _ms(timed["remove"]),
        "add_to_answer": _ms(timed["add"]), "first_question_after_overlay_dropped": _ms(timed["first"]),
        "cpu": {"edit_to_answer": _ms(timed["edit_cpu"]), "remove_to_answer": _ms(timed["remove_cpu"]),
                "add_to_answer": _ms(timed["add_cpu"]),
                "first_question_after_overlay_dropped": _ms(timed["first_cpu"])},
        "shared_index_rebuilt": False,
    }


def print_chapters(r: dict) -> None:
    m = r["memory"]
    print(f"{r['servers']} servers x {r['entries_per_server']} entries = {r['chapter_entries']:,} chapter entries "
          f"over {r['shared_entries']} shared, one SQLite file")
    print(f"overlay budget {r['overlay_budget']:,} entries: {r['resident_overlays']} overlays "
          f"({r['resident_entries']:,} entries) in memory after building all of them")
    b = r["overlay_build_s"]
    print(f"overlays built: {b['total']:.1f} s in all; per server median {b['median_ms']:.0f} ms, "
          f"max {b['max_ms']:.0f} ms")
    print(f"memory: resident {m['rss_before_overlays_mb']:.0f} MB before the overlays, "
          f"{m['rss_after_overlays_mb']:.0f} MB with all of them; tracemalloc: overlays hold "
          f"{m['overlays_traced_mb']:.0f} MB (peak while building {m['overlays_traced_peak_mb']:.0f} MB); "
          f"a full garbage collection then takes {m['full_gc_ms']:.0f} ms "
          f"({'overlays frozen out of it; ' if m['frozen'] else ''}one over everything, as the clean-up job "
          f"runs it: {m['gc_everything_ms']:.0f} ms)")
    print(f"{'per question (cold word cache)':<44} {'median ms':>10} {'p99 ms':>8} {'max ms':>8} {'CPU median':>11} "
          f"{'CPU max':>8}")
    for key, label in (("question_shared_only", "shared question, no chapter"),
                       ("question_shared_in_a_chapter_server", "shared question in a 500-entry server"),
                       ("question_chapter_entry", "chapter question in its server"),
                       ("question_full_ask_path", "/ask service path incl. SQLite writes"),
                       ("edit_to_answer", "edit until /ask gives the new text"),
                       ("remove_to_answer", "remove until /ask stops giving it"),
                       ("add_to_answer", "add until /ask gives it"),
                       ("first_question_after_overlay_dropped", "first question after its overlay was dropped")):
        v = r[key]
        cpu = r["cpu"].get(key)
        more = f" {cpu['median_ms']:>11.2f} {cpu['max_ms']:>8.2f}" if cpu else ""
        print(f"{label:<44} {v['median_ms']:>10.2f} {v['p99_ms']:>8.2f} {v['max_ms']:>8.2f}{more}")
    s = r["shared_in_scope_answered"]
    print(f"chapter questions answered by their own entry: {r['chapter_questions_answered_by_their_entry']:.1%}; "
          f"shared in-scope accuracy {s['without_overlay']:.1%} alone, {s['with_overlay']:.1%} with a chapter's "
          "500 entries; shared index rebuilt: never")


def machine() -> dict:
    import os

    cpu = cpu_model()
    return {"cpus": os.cpu_count(), "cpu": cpu, "python": platform.python_version()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--rounds", type=int, default=5, help="passes over the question set per size")
    ap.add_argument("--chapters", action="store_true", help="only the chapter knowledge case (100 x 500)")
    ap.add_argument("--servers", type=int, default=100, help="with --chapters: how many servers")
    ap.add_argument("--per-server", type=int, default=500, help="with --chapters: entries in each")
    ap.add_argument("--overlay-budget", type=int, default=None,
                    help="with --chapters: entries kept in overlays (default: all of them)")
    args = ap.parse_args()
    if args.chapters:
        import asyncio

        chapters = asyncio.run(chapter_scale(args.servers, args.per_server, budget=args.overlay_budget))
        chapters["machine"] = machine()
        if args.json:
            print(json.dumps(chapters, indent=2))
        else:
            m = chapters["machine"]
            print(f"machine: {m['cpus']} CPUs, {m['cpu']}, Python {m['python']}")
            print_chapters(chapters)
        return 0
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
