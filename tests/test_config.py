"""Settings from the environment; the token never shows itself."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import INVITE_PERMISSIONS, invite_url, main
from bot.config import DEFAULT_CONSENT_TEXT, ConfigError, Settings


def test_defaults_without_anything_set() -> None:
    s = Settings.from_env({})
    assert s.token is None and s.application_id is None and s.dev_guild_id is None
    assert s.consent_text == DEFAULT_CONSENT_TEXT and s.log_level == "INFO"


def test_values_are_read_and_typed() -> None:
    s = Settings.from_env({"DISCORD_TOKEN": " abc.def ", "DISCORD_APPLICATION_ID": "123", "JETBOT_DB": "x/y.db",
                           "JETBOT_LOG_LEVEL": "debug", "JETBOT_DEV_GUILD_ID": ""})
    assert s.token is not None and s.token.get() == "abc.def"
    assert s.application_id == 123 and s.database_path == Path.cwd() / "x/y.db" and s.log_level == "DEBUG"
    assert s.dev_guild_id is None


def test_token_is_hidden_in_repr_and_str() -> None:
    s = Settings.from_env({"DISCORD_TOKEN": "super-secret-token"})
    assert "super-secret-token" not in repr(s) and "super-secret-token" not in str(s.token)


MALFORMED = [
    ({"DISCORD_APPLICATION_ID": "abc"}, "DISCORD_APPLICATION_ID"),
    ({"JETBOT_DEV_GUILD_ID": "my server"}, "JETBOT_DEV_GUILD_ID"),
    ({"JETBOT_LOG_LEVEL": "loud"}, "JETBOT_LOG_LEVEL"),
    ({"JETBOT_LOG_FORMAT": "xml"}, "JETBOT_LOG_FORMAT"),
    ({"JETBOT_WEB_PORT": "99999"}, "JETBOT_WEB_PORT"),
    ({"JETBOT_PUBLIC_URL": "jetbot.example.org"}, "JETBOT_PUBLIC_URL"),
]


@pytest.mark.parametrize(("env", "needle"), MALFORMED)
def test_malformed_settings_name_the_variable(env: dict[str, str], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        Settings.from_env(env)


def test_invite_url_has_both_scopes_and_the_permissions() -> None:
    url = invite_url(1234)
    assert "client_id=1234" in url and "scope=bot+applications.commands" in url
    import discord

    perms = discord.Permissions(int(url.split("permissions=")[1].split("&")[0]))
    assert all(getattr(perms, name) for name in INVITE_PERMISSIONS)
    assert not perms.administrator and not perms.mention_everyone


def test_invite_url_command(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISCORD_APPLICATION_ID", raising=False)
    assert main(["invite-url", "--application-id", "42"]) == 0
    assert "client_id=42" in capsys.readouterr().out


def test_run_without_token_is_one_clear_line(capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "DISCORD_TOKEN is not set" in err[0]


# -- the README's settings table, .env.example, the code and `jetbot check` name the same settings --------
ROOT = Path(__file__).resolve().parent.parent


def readme_settings() -> dict[str, str]:
    """Variable -> its "default" cell, from the table in the README's settings section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("<!-- SECTION:settings -->", 1)[1].split("<!-- /SECTION:settings -->", 1)[0]
    table: dict[str, str] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0]):
                table[name] = cells[1]
    return table


def env_example() -> dict[str, str]:
    values: dict[str, str] = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, sep, value = line.partition("=")
            assert sep, f".env.example: {line!r} is not NAME=value"
            values[key.strip()] = value.strip()
    return values


class Reads(dict[str, str]):
    """An environment that remembers every variable the settings code asks for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)


def test_readme_table_env_example_and_the_code_name_the_same_settings() -> None:
    table, example = readme_settings(), env_example()
    env = Reads()
    Settings.from_env(env)
    assert set(table) == set(example), "README settings table vs .env.example"
    assert set(example) == env.asked, ".env.example vs the variables bot/config.py reads"


def test_env_example_as_shipped_is_the_defaults_and_the_readme_says_so(tmp_path: Path) -> None:
    example = env_example()
    assert Settings.from_env(example, cwd=tmp_path) == Settings.from_env({}, cwd=tmp_path)
    table = readme_settings()
    for name, value in example.items():
        if value:
            assert f"`{value}`" in table[name], f"{name}: .env.example has {value!r}, the README says {table[name]!r}"


def test_every_setting_jetbot_check_reports_or_validates_is_in_the_table(tmp_path: Path) -> None:
    from bot.ops.doctor import run_checks

    table = readme_settings()
    everything = Settings(web_port=8080, api_base="http://127.0.0.1:1/api/v10", gateway_url="ws://127.0.0.1:1",
                          database_path=tmp_path / "db.sqlite3", knowledge_path=ROOT / "tests" / "data" / "kb_small")
    reported = {c.what for c in run_checks(everything) if re.fullmatch(r"[A-Z][A-Z0-9_]+", c.what)}
    assert reported >= {"DISCORD_TOKEN", "DISCORD_APPLICATION_ID", "JETBOT_KNOWLEDGE", "JETBOT_DB"}
    validated = {needle for _, needle in MALFORMED}  # a malformed value stops `jetbot check` with its name
    assert reported | validated <= set(table)
