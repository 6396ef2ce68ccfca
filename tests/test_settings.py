from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ginbot.settings import SettingsError, load_settings


def test_defaults_need_nothing() -> None:
    s = load_settings({})
    assert s.database_url.startswith("sqlite+aiosqlite:///")
    assert (s.host, s.port) == ("127.0.0.1", 8080)
    assert not s.line_enabled and not s.telegram_enabled
    assert s.telegram_api_base == "https://api.telegram.org/bot"


def test_values_are_typed() -> None:
    s = load_settings(
        {
            "GINBOT_PORT": "9000",
            "GINBOT_TODAY": "2020-07-06",
            "GINBOT_TELEGRAM_STAFF_IDS": "11, 22",
            "GINBOT_LINE_CHANNEL_SECRET": "s",
            "GINBOT_LINE_CHANNEL_ACCESS_TOKEN": "t",
            "GINBOT_PUBLIC_URL": "https://bot.example.go.th/",
        }
    )
    assert s.port == 9000 and s.today == date(2020, 7, 6)
    assert s.telegram_staff_ids == [11, 22]
    assert s.line_enabled and s.public_url == "https://bot.example.go.th"
    # Secrets never show in reprs or logs.
    assert "t" not in repr(s.line_channel_access_token).replace("SecretStr", "")


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"GINBOT_PORT": "eighty"}, "GINBOT_PORT"),
        ({"GINBOT_TODAY": "1/7/2563"}, "GINBOT_TODAY"),
        ({"GINBOT_DATABASE_URL": "mysql://x"}, "GINBOT_DATABASE_URL"),
        ({"GINBOT_PUBLIC_URL": "bot.example"}, "GINBOT_PUBLIC_URL"),
        ({"GINBOT_DATA_DIR": "/nonexistent/data"}, "GINBOT_DATA_DIR"),
        ({"GINBOT_INTENTS_DIR": "/nonexistent/intents"}, "GINBOT_INTENTS_DIR"),
    ],
)
def test_malformed_setting_names_itself(env: dict[str, str], name: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings(env)


def test_cli_fails_at_start_with_the_name(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from ginbot.cli import main

    monkeypatch.setenv("GINBOT_PORT", "-1")
    assert main(["db", "upgrade"]) == 2
    assert "GINBOT_PORT" in capsys.readouterr().err


def test_a_missing_data_folder_is_named_with_what_belongs_in_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """As after `pip install` outside the checkout: one clear line, no traceback."""
    from ginbot.cli import main

    monkeypatch.setenv("GINBOT_DATA_DIR", str(tmp_path / "nowhere"))
    assert main(["ask", "กรมสรรพากรย้ายวันไหน"]) == 2
    err = capsys.readouterr().err
    assert f"GINBOT_DATA_DIR: {tmp_path / 'nowhere'} is not a folder; it must hold answers.yml" in err
    assert "Traceback" not in err


def test_serve_refuses_a_telegram_webhook_without_secret(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ginbot.cli import main

    monkeypatch.setenv("GINBOT_TELEGRAM_TOKEN", "123:abc")
    monkeypatch.setenv("GINBOT_PUBLIC_URL", "https://bot.example.go.th")
    monkeypatch.delenv("GINBOT_TELEGRAM_WEBHOOK_SECRET", raising=False)
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "GINBOT_TELEGRAM_WEBHOOK_SECRET" in err and "123:abc" not in err
