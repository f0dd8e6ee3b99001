"""Japanese words for the answer engine, with Janome (a pure-Python morphological analyser that
ships its dictionary: no download, no C build).

Japanese has no spaces. A run of Japanese text is cut into morphemes; particles, auxiliaries and
symbols go; nouns next to each other form one compound, and verbs and adjectives count only when
the thesaurus gives their English word (する, ある, やる carry no topic). A compound is kept whole
when it is a name (it contains a proper noun or a suffix: 文部科学省, 国際交流員, 参加者), so it
meets the entry that lists it as an alias; otherwise (海外事務所, 応募方法) it is split into its
nouns, each read through the thesaurus (海外 -> overseas, 事務所 -> office). 何 followed by a counter
(何人, 何ヶ所) asks for a number.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Any

_lock = threading.Lock()
_tokenizer: Any = None


def _janome() -> Any:
    """The tokenizer, built on first use (its dictionary takes a moment to open)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                from janome.tokenizer import Tokenizer

                _tokenizer = Tokenizer(mmap=True)  # maps the dictionary instead of reading it: faster start
    return _tokenizer


_CONTENT_NOUN_SKIP = ("非自立",)


def words(run: str, mapping: dict[str, str], stop: frozenset[str]) -> list[str]:
    """The content words of a Japanese run, each as the thesaurus's English word(s) or in Japanese."""
    out: list[str] = []
    compound: list[tuple[str, str]] = []  # (surface, part of speech detail)

    def flush() -> None:
        if compound:
            out.extend(_compound(compound, mapping.get, stop))
            compound.clear()

    morphemes = list(_janome().tokenize(run))
    # 何年 or いつ came first: then できた is "was set up", not "could". (いつ is looked for in the text:
    # after a Latin name, "はいつ" is cut as はい + つ.)
    asks_when = "いつ" in run
    for k, tok in enumerate(morphemes):
        pos = tok.part_of_speech.split(",")
        surface, base = tok.surface, tok.base_form if tok.base_form != "*" else tok.surface
        if pos[0] == "名詞" and pos[1] not in _CONTENT_NOUN_SKIP:
            if compound and compound[-1][0] == "何" and pos[2] == "助数詞":
                compound.pop()
                flush()
                asks_when = asks_when or surface == "年"
                out.extend(t for t in _counter(surface) if t not in out)
                continue
            # "アイズ・ジャパン": a name written with middle dots is read word by word.
            compound.extend((part, pos[1]) for part in surface.split("・") if part)
            continue
        flush()
        if (pos[0] == "動詞" and asks_when and base in _CAME_ABOUT and k + 1 < len(morphemes)
                and morphemes[k + 1].surface == "た"):
            out.append("begin")  # 何年にできたの: when it was set up
            continue
        if pos[0] in ("動詞", "形容詞"):
            # 行けない (can't go) is not 行ける (can go): a negated verb has its own entry, if any.
            negated = surface + "ない"
            key = negated if negated in mapping and _negated(morphemes[k + 1:]) else base
            if key in mapping:
                out.extend(mapping[key].split())
    flush()
    return out


_CAME_ABOUT = frozenset({"できる", "出来る"})
_VOICE = frozenset({"られる", "れる", "せる", "させる"})  # passive/potential/causative: 答え(られ)ない


def _negated(rest: list[Any]) -> bool:
    """Whether a verb is negated by the morphemes after it (ない/ぬ, past the voice endings)."""
    for tok in rest:
        if tok.base_form in _VOICE:
            continue
        return tok.part_of_speech.startswith("助動詞") and tok.base_form in ("ない", "ぬ", "ん")
    return False


def _counter(surface: str) -> list[str]:
    """What 何 + a counter asks: 何日間/何年間 a duration, 何パーセント a share, 何年 when (no token),
    anything else (何人, 何か国, 何ヶ所) a number."""
    if surface.endswith("間"):
        return ["duration"]
    if surface in ("パーセント", "割", "%"):
        return ["percentage"]
    if surface == "語":  # 何語: which language, not how many
        return ["language"]
    if surface in ("か国", "カ国", "ヶ国", "ヵ国", "国"):  # 何か国: how many countries
        return ["number", "country"]
    return [] if surface == "年" else ["number"]


def _compound(parts: list[tuple[str, str]], lookup: Callable[[str], str | None], stop: frozenset[str]) -> list[str]:
    mapped = lookup("".join(s for s, _ in parts))  # 説明会 (information session) before 説明 is dropped
    if mapped:
        return mapped.split()
    kept = [(s, d) for s, d in parts if s not in stop] or parts  # 参加者全体: 全体 ("whole") is scaffolding
    whole = "".join(s for s, _ in kept)
    mapped = lookup(whole)
    if mapped:
        return mapped.split()
    # A name (文部科学省, 国際交流員, 自治体国際化協会) is kept whole, unless every part has its own
    # English word (参加国 = participant + country). A loanword after it (新任者 + オリエンテーション)
    # is a word of its own, not part of the name.
    if (len(kept) > 1 and any(d in ("固有名詞", "接尾") and s not in _NOT_NAMING for s, d in kept)
            and not all(lookup(s) for s, _ in kept)):
        last = len(kept)
        while last > 1 and _KATAKANA.fullmatch(kept[last - 1][0]) and lookup(kept[last - 1][0]):
            last -= 1
        if last < len(kept):
            return _compound(kept[:last], lookup, stop) + [t for s, _ in kept[last:] for t in (lookup(s) or s).split()]
        return [whole]
    out: list[str] = []
    for surface, _ in kept:
        english = lookup(surface)
        out.extend(english.split() if english else _katakana_pieces(surface, lookup))
    return out


_KATAKANA = re.compile(r"[\u30a0-\u30ffー]+")
# Suffixes that say who something is for or what it is like, not what it is called: 海外向け投資 is
# "investment aimed abroad", not a name.
_NOT_NAMING = frozenset({"向け", "用"})
_FRAGMENT = 2  # a leftover of this many characters or fewer is no word: フォーム is not フォー + ム


def _katakana_pieces(surface: str, lookup: Callable[[str], str | None]) -> list[str]:
    """A katakana compound the dictionary keeps whole (ジャパンスタディツアー, カレンダーアプリ), read as
    the loanwords it is made of when the thesaurus knows at least half of it: longest known piece
    first, from the left; pieces it does not know stay as written."""
    if len(surface) < 4 or not _KATAKANA.fullmatch(surface):
        return [surface]
    out: list[str] = []
    known = 0
    start = 0
    pending = ""
    while start < len(surface):
        for end in range(len(surface), start + 1, -1):
            english = lookup(surface[start:end])
            if english:
                if pending:
                    out.append(pending)
                    pending = ""
                out.extend(english.split())
                known += end - start
                start = end
                break
        else:
            pending += surface[start]
            start += 1
    if pending:
        out.append(pending)
    leftovers = [piece for piece in out if _KATAKANA.fullmatch(piece) and not lookup(piece)]
    if any(len(piece) <= _FRAGMENT for piece in leftovers):
        return [surface]
    return out if known * 2 >= len(surface) else [surface]


_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaffー々]+")


def proper_nouns(text: str) -> list[str]:
    """The proper nouns (固有名詞) of the Japanese in ``text``, as written: 富士山, 東京, カルガリー. They are
    names, as capitalised words are in English."""
    return [noun for run in _CJK_RUN.findall(text) for noun in _proper_nouns_of_run(run)]


@lru_cache(maxsize=4096)
def _proper_nouns_of_run(run: str) -> tuple[str, ...]:
    # A message is read clause by clause and as a whole: each run is analysed once.
    toks = list(_janome().tokenize(run))
    # アメリカ人 ("American") says who someone is, not a place named: like "American", not "in America".
    return tuple(tok.surface for tok, after in zip(toks, [*toks[1:], None], strict=True)
                 if tok.part_of_speech.startswith("名詞,固有名詞")
                 and not (after is not None and after.surface == "人" and after.part_of_speech.startswith("名詞,接尾")))
