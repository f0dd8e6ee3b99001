"""Settings from the environment; the token never shows itself."""

from __future__ import annotations

from pathlib import Path

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


@pytest.mark.parametrize(("env", "needle"), [
    ({"DISCORD_APPLICATION_ID": "abc"}, "DISCORD_APPLICATION_ID"),
    ({"JETBOT_LOG_LEVEL": "loud"}, "JETBOT_LOG_LEVEL"),
])
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
