"""Japanese questions cut into words with Janome, names kept whole, the rest read through the thesaurus."""

from __future__ import annotations

import pytest

from bot.knowledge.normalize import tokens


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("JETの参加者は今まで何人？", ["jet", "participant", "number"]),  # 何 + counter asks for a number
        ("セミナーは何語？", ["seminar", "languag"]),  # 何語 asks which language, not how many
        ("JETAAは何か国にある？", ["jetaa", "number", "country"]),  # 何か国: how many countries
        ("CLAIRの海外事務所はいくつ？", ["clair", "oversea", "offic", "number"]),  # a compound split into its nouns
        ("文部科学省", ["文部科学省"]),  # a name (ends in a suffix) is never split
        ("国際交流員って何ですか", ["国際交流員"]),
        ("JETプログラムはいつ始まりましたか", ["jet", "program", "begin"]),  # verbs count only when mapped
        ("クレアの役割って何？", ["clair", "role"]),
        ("CLAIR fellowshipって何日間？", ["clair", "fellowship", "duration"]),  # 何 + counter + 間: how long
        ("ALTは参加者全体の何パーセント？", ["alt", "participant", "percentag"]),  # 全体 is scaffolding
        ("JETの参加国は何か国？", ["jet", "participant", "country", "number"]),  # every part has an English word
        ("クレアの職員は何年間派遣されるの？", ["clair", "staff", "duration", "second"]),
        ("ローカル・アイズ・ジャパンって何？", ["local", "eye", "japan"]),  # katakana loanwords, middle dots
        ("JETの説明会ってドイツでもあったの？", ["jet", "day", "germany"]),  # 説明会 whole, before 説明 is dropped
        ("JETAAって何の団体？", ["jetaa"]),  # 何の団体 (what kind of organisation) asks what it is
        ("JLGCニューヨークの提携団体は？", ["jlgc", "new", "york", "partner", "organization"]),
        # Verbs about going to an event; a negated verb is its own word (行けない is not 行ける).
        ("やっぱり行けなくなった", ["cannot", "attend"]),
        ("満席のときは待てるの？", ["満席", "wait"]),
        ("友達を連れて行ってもいい？", ["友達", "bring", "attend"]),
        ("答えられなかった質問を見たい", ["unanswer"]),  # past the voice ending られ
        ("リマインダーはいつ来るの？", ["リマインダー"]),  # a reminder comes: 来る is not attending
    ],
)
def test_japanese_words(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


def test_mixed_english_and_japanese() -> None:
    assert tokens("sister city 姉妹都市 how many") == ["sister", "city", "姉妹", "city", "number"]  # 都市 is city


def test_a_katakana_compound_is_read_as_the_loanwords_it_is_made_of() -> None:
    from bot.knowledge.japanese import _katakana_pieces

    known = {"スタディ": "study", "ツアー": "tour", "スタディツアー": "study tour", "カレンダー": "calendar"}.get
    assert _katakana_pieces("ジャパンスタディツアー", known) == ["ジャパン", "study", "tour"]
    assert _katakana_pieces("カレンダーアプリ", known) == ["calendar", "アプリ"]
    # Less than half of it known: one loanword the thesaurus lacks, kept whole.
    assert _katakana_pieces("コンピューターツアー", known) == ["コンピューターツアー"]
    assert _katakana_pieces("ツアー", known) == ["ツアー"]  # short: nothing to split


def test_a_loanword_after_a_name_is_a_word_of_its_own() -> None:
    from bot.knowledge.japanese import _compound

    known = {"オリエンテーション": "orientation"}.get
    # 新任者 (a suffix makes it a name) stays whole; the orientation after it is still read as English.
    assert _compound([("新任", "サ変接続"), ("者", "接尾"), ("オリエンテーション", "一般")], known, frozenset()) == [
        "新任者", "orientation"]
    assert _compound([("文部", "固有名詞"), ("科学", "一般"), ("省", "接尾")], known, frozenset()) == ["文部科学省"]


def test_japanese_proper_nouns_are_names_as_capitals_are_in_english() -> None:
    from bot.knowledge.question import names_in

    names = names_in("静岡のスタディツアーって富士山にも行ったりしますか？")
    assert names["富士山"] == ("富士山", frozenset({"富士山"}))  # unknown to the knowledge base: weighs as a name
    assert "shizuoka" in names  # 静岡, read through the thesaurus
    assert names_in("スタディツアーはいつ？") == {}


def test_a_loanword_is_not_split_into_a_known_word_and_a_scrap() -> None:
    from bot.knowledge.japanese import _katakana_pieces

    known = {"フォー": "for", "コーチ": "coach", "ジャパン": "japan", "スタディ": "study", "ツアー": "tour"}.get
    assert _katakana_pieces("フォーム", known) == ["フォーム"]  # not フォー + ム
    assert _katakana_pieces("コーチング", known) == ["コーチング"]  # not コーチ + ング
    assert _katakana_pieces("ジャパンスタディツアー", known) == ["japan", "study", "tour"]


def test_a_suffix_saying_who_it_is_for_does_not_make_a_name() -> None:
    from bot.knowledge.japanese import _compound

    known = {"海外": "overseas", "投資": "invest"}.get
    assert _compound([("海外", "一般"), ("向け", "接尾"), ("投資", "サ変接続")], known, frozenset()) == [
        "overseas", "向け", "invest"]
