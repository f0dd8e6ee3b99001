"""knowledge/bot.yaml tells members which commands to type: every command, sub-command and option it
names must exist, so renaming a command or an option without updating the answers fails here.

Slash commands are collected the way the bot loads them: every public module in ``cogs/``, every
``commands.Cog`` in it, and the app commands and groups declared on the class. ``jetbot ...`` command
lines are checked against the command line's own parser.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from discord import app_commands
from discord.ext import commands

import cogs
from bot.__main__ import build_parser
from bot.knowledge import AnswerEngine, load_knowledge
from tests.scoring import judge

BOT_YAML = Path(__file__).resolve().parents[1] / "knowledge" / "bot.yaml"
# Paths of the bot's own web server, written like commands in the hosting answers.
WEB_PATHS = frozenset({"healthz", "cal", "e"})

# "/event create", "/checkin": a slash, a command name, and maybe a sub-command (lower case, hyphens).
SLASH = re.compile(r"(?<![\w/.<@-])/([a-z][a-z-]*)(?: ([a-z][a-z-]*))?")
# A code span: `...`.
CODE = re.compile(r"`([^`\n]+)`")
# In a code span that starts with a command: <option>, [option], option:value.
OPTION = re.compile(r"[<\[]([a-z_]+)[>\]]|(?<![\w/])([a-z_]+):")
# A code span that is an option on its own: `capacity:0`, `came: False`.
LONE_OPTION = re.compile(r"^([a-z_]+): ?\S+$")
# A code span that is a command line: `jetbot backup <file or folder>`, `jetbot kb check`.
CLI = re.compile(r"^jetbot ((?:kb )?[a-z][a-z-]*)")


def registered_commands() -> dict[str, set[str]]:
    """Every registered slash command ("event create", "ask") with its option names; a group maps to
    the empty set and its sub-commands are listed under their full names."""
    found: dict[str, set[str]] = {}

    def walk(command: app_commands.Command[Any, ..., Any] | app_commands.Group, prefix: str = "") -> None:
        name = prefix + command.name
        if isinstance(command, app_commands.Group):
            found[name] = set()
            for sub in command.commands:
                walk(sub, name + " ")
        else:
            found[name] = {p.name for p in command.parameters}

    for module_info in pkgutil.iter_modules(cogs.__path__):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"cogs.{module_info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, commands.Cog) and cls.__module__ == module.__name__:
                for command in cls.__cog_app_commands__:
                    walk(command)
    return found


def cli_commands() -> set[str]:
    """``jetbot`` sub-commands ("backup", "kb check") from the command line's parser."""
    names: set[str] = set()

    def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        for action in parser._actions:  # argparse keeps sub-parsers only here
            if isinstance(action, argparse._SubParsersAction):
                return dict(action.choices)
        return {}

    for name, sub in subcommands(build_parser()).items():
        names.add(name)
        names.update(f"{name} {inner}" for inner in subcommands(sub))
    return names


@pytest.fixture(scope="module")
def bot_entries() -> list[tuple[str, str]]:
    kb = load_knowledge(BOT_YAML)
    return [(e.id, e.answer) for e in kb.entries]


@pytest.fixture(scope="module")
def slash() -> dict[str, set[str]]:
    found = registered_commands()
    assert {"ask", "events", "event create", "newsletter subscribe", "privacy delete"} <= found.keys()
    return found


def is_group(name: str, known: dict[str, set[str]]) -> bool:
    return any(k.startswith(name + " ") for k in known)


def named_commands(text: str, known: dict[str, set[str]]) -> list[str]:
    """The commands a text names: "/event create" when that is a sub-command, else "/event"."""
    out = []
    for match in SLASH.finditer(text):
        top, sub = match.group(1), match.group(2)
        out.append(f"{top} {sub}" if sub and f"{top} {sub}" in known else top)
    return out


def test_every_slash_command_in_the_answers_exists(bot_entries: list[tuple[str, str]],
                                                   slash: dict[str, set[str]]) -> None:
    problems = []
    for entry_id, answer in bot_entries:
        for match in SLASH.finditer(answer):
            top, sub = match.group(1), match.group(2)
            if top in WEB_PATHS:
                continue
            if top not in slash:
                problems.append(f"{entry_id}: /{top} is not a command")
            elif sub and is_group(top, slash) and f"{top} {sub}" not in slash:
                # "/series skip" must be a real sub-command; "/series" alone names the group.
                problems.append(f"{entry_id}: /{top} {sub} is not a sub-command of /{top}")
    assert not problems, "\n".join(problems)


def test_every_option_written_after_a_command_exists(bot_entries: list[tuple[str, str]],
                                                     slash: dict[str, set[str]]) -> None:
    every_option = set().union(*slash.values())
    problems = []
    for entry_id, answer in bot_entries:
        for span in CODE.findall(answer):
            if span.startswith("/"):
                command = named_commands(span, slash)[0]
                options = [m.group(1) or m.group(2) for m in OPTION.finditer(span)]
                problems += [f"{entry_id}: `{span}`: {o} is not an option of /{command}"
                             for o in options if o not in slash.get(command, set())]
            elif (lone := LONE_OPTION.match(span)) and lone.group(1) not in every_option:
                problems.append(f"{entry_id}: `{span}`: {lone.group(1)} is not an option of any command")
    assert not problems, "\n".join(problems)


def test_every_jetbot_command_line_exists(bot_entries: list[tuple[str, str]]) -> None:
    known = cli_commands()
    lines = [(entry_id, CLI.match(span)) for entry_id, answer in bot_entries for span in CODE.findall(answer)]
    problems = [f"{entry_id}: jetbot {m.group(1)}" for entry_id, m in lines if m and m.group(1) not in known]
    assert len([m for _, m in lines if m]) >= 5  # the hosting answers do name command lines
    assert not problems, "not jetbot commands:\n" + "\n".join(problems)


def test_the_checks_catch_a_renamed_command(slash: dict[str, set[str]]) -> None:
    """The patterns above really find commands and options (a check that finds nothing passes vacuously)."""
    text = "Use **`/event create capacity:20`** or `/series skip <series>`, then `/ask` or `/nosuch thing`."
    assert named_commands(text, slash) == ["event create", "series skip", "ask", "nosuch"]
    span = CODE.findall(text)[0]
    assert [m.group(1) or m.group(2) for m in OPTION.finditer(span)] == ["capacity"]
    assert LONE_OPTION.match("came: False") and not LONE_OPTION.match("Europe/London")
    assert "kb check" in cli_commands() and "backup" in cli_commands()


# tests/data/bot_usage_dev.yaml: members' and organisers' questions about using the bot, written from the
# README before the entries were scored on it (then tuned on). Measured when written: 25.0% in scope
# answered and 92.9% declined with the earlier bot.yaml; 100% / 100% after. The bars sit under that so a
# change to the entries or the engine that loses bot questions shows here.
BOT_DEV = Path(__file__).resolve().parent / "data" / "bot_usage_dev.yaml"
BOT_DEV_MIN_ANSWERED = 0.9
BOT_DEV_MIN_DECLINED = 0.9


def test_bot_usage_questions_are_answered_and_near_misses_declined() -> None:
    engine = AnswerEngine(load_knowledge(BOT_YAML.parent))
    items = yaml.safe_load(BOT_DEV.read_text(encoding="utf-8"))
    answered, declined, misses = [], [], []
    for item in items:
        reply = engine.answer(item["q"])
        ok = judge(item, reply.matched, reply.text)
        (declined if item.get("oos") else answered).append(ok)
        if not ok:
            misses.append(f"{item['q']!r} -> {reply.entry.id if reply.matched and reply.entry else 'declined'}")
    assert len(answered) >= 50 and len(declined) >= 10
    assert sum(answered) / len(answered) >= BOT_DEV_MIN_ANSWERED, "\n".join(misses)
    assert sum(declined) / len(declined) >= BOT_DEV_MIN_DECLINED, "\n".join(misses)


@pytest.fixture(scope="module")
def shipped_engine() -> AnswerEngine:
    return AnswerEngine(load_knowledge(BOT_YAML.parent))


@pytest.mark.parametrize(("question", "entry_id"), [
    # Members' and organisers' own words (the answer engine issue quotes the first four).
    ("can I cap the number of people for an event?", "bot-event-capacity"),
    ("how do I get the event into my google calendar?", "bot-calendar"),
    ("I signed up for the newsletter by mistake, undo pls", "bot-newsletter"),
    ("can I just @ you instead of typing /ask?", "bot-ask"),
    # A member's own email address is answered by the command that shows or changes it: the reply
    # is not a contact address the documents lack.
    ("which email address am I signed up with?", "bot-newsletter"),
    ("can I change the email I gave for the newsletter?", "bot-newsletter"),
    ("how do I make a weekly event", "bot-series"),
    ("how do I check in at the event", "bot-checkin"),
    ("how do I subscribe to the chapter's calendar in outlook", "bot-calendar-feed"),
    ("イベントの定員って設定できる？", "bot-event-capacity"),
    ("ニュースレターの登録を解除したい", "bot-newsletter"),
    ("毎週のイベントを繰り返しで作るには？", "bot-series"),
    # "bot" must stay specific enough (in few entries) to anchor questions about the bot itself.
    ("what can this bot do", "bot-help"),
    ("are you a bot?", "bot-help"),
    # An asking clause that points back at the rest of the message is read with it.
    ("i accidentally clicked going, how do i undo that?", "bot-rsvp"),
    ("I said maybe but now I'm going, how do I update it?", "bot-rsvp"),
    ("reminders - how do they work? I never seem to get one", "bot-reminders"),
    ("I got a message saying I'm off the waitlist, do I need to do anything?", "bot-rsvp"),
    ("can I start a recurring event", "bot-series"),
    ("やっぱり行けなくなった", "bot-rsvp"),
    ("友達を連れて行ってもいい？", "bot-event-guests"),
    # A kind of chapter event names an event, it is not a topic the knowledge base lacks.
    ("can people bring guests to the party", "bot-event-guests"),
    ("set a capacity on the karaoke night", "bot-event-capacity"),
    ("can I switch from maybe to going", "bot-rsvp"),
    ("待ちリストに入ってるけど、どうなる？", "bot-rsvp"),
    ("can I get my data wiped?", "bot-privacy"),
    ("not going anymore", "bot-rsvp"),
    ("I can't come to the BBQ", "bot-rsvp"),
    ("参加ボタンを押し間違えた", "bot-rsvp"),  # pressed by mistake (押す, 間違える)
    ("ボットを更新したい", "bot-upgrade"),
    ("I set up the quiz night with 30 places but now we've got a bigger room, can I add more spaces?",
     "bot-event-capacity"),
    ("my mate wants to come too, can I bring him?", "bot-event-guests"),  # "bring him": read with the message
    ("how do I subscribe to the calendar on my phone", "bot-calendar-feed"),  # a device, not a phone number
])
def test_everyday_bot_questions_get_their_entry(shipped_engine: AnswerEngine, question: str, entry_id: str) -> None:
    answer = shipped_engine.answer(question)
    assert answer.matched, (answer.reason, [s.entry_id for s in answer.suggestions])
    assert answer.entry is not None and answer.entry.id == entry_id


@pytest.mark.parametrize("question", [
    "is there a waiting list for JET",
    "can I bring guests to the JET orientation",
    "does JET have a calendar of events",
    "how do I unsubscribe from CLAIR emails",
    "does MEXT send a newsletter?",
    "what time zone is Japan in",
    "CLAIRのニュースレターを解除したい",
    "the JETAA newsletter, how do I sign up",  # the asking clause names nothing: its context decides
])
def test_bot_help_does_not_answer_questions_about_an_organisation(shipped_engine: AnswerEngine, question: str) -> None:
    answer = shipped_engine.answer(question)
    assert not answer.matched
    assert answer.reason in ("other_organisation", "low_coverage", "near_tie", "unanchored", "unknown_words")


@pytest.mark.parametrize("question", [
    "is there a waitlist for the CLAIR fellowship",
    "how do I cancel my JET interview",
    "can I change my JET interview date",
])
def test_programme_entries_do_not_answer_the_bots_own_business(shipped_engine: AnswerEngine, question: str) -> None:
    # A word only the bot's help names (waitlist, cancel, change) counts fully against the fellowship or
    # application entries, which say nothing about it.
    assert not shipped_engine.answer(question).matched


def test_the_organisation_rule_has_its_own_reason(shipped_engine: AnswerEngine) -> None:
    answer = shipped_engine.answer("is there a waiting list for JET")
    assert answer.reason == "other_organisation"
    assert answer.suggestions and answer.suggestions[0].entry_id == "bot-rsvp"  # still offered as related
    # The bot's own help names JET, so it may answer about JET.
    assert shipped_engine.answer("can I ask the bot about JET in Japanese?").matched


@pytest.mark.parametrize("question", [
    # Everyday words in bot phrasings (safe, party, festival, karaoke, numbers) must not pull these in.
    "Is Japan safe?",
    "what festivals are there in japan",
    "how do I organise a hanami party in japan",
    "who's going to the karaoke tonight lol",
    "What's 2 + 2?",
    # A chapter's own events are its own entries (/kb add) or its event posts, not how to use the bot.
    "where is pub night?",
    "how much is karaoke night",
    "what time does pub night start",
    "who's on our committee",  # asks for people: the settings entry only says how to make them organisers
    # Things jetbot does not do.
    "can the bot take payments for tickets?",
    "can you translate my message to Japanese?",
    "can jetbot write our newsletter for us",
])
def test_bot_entries_do_not_answer_what_they_do_not_cover(shipped_engine: AnswerEngine, question: str) -> None:
    answer = shipped_engine.answer(question)
    assert not (answer.matched and answer.entry is not None and answer.entry.category == "bot"), answer.entry
