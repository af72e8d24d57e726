"""The example config loads; bad configs fail with file, key and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.edges.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config.example.toml"


@pytest.fixture
def env_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SELLERBOT_SECRET", "s" * 32)
    monkeypatch.setenv("SELLERBOT_IMAP_PASSWORD", "imap-pw")
    monkeypatch.setenv("SELLERBOT_SMTP_PASSWORD", "smtp-pw")


def test_example_config_loads(env_secrets: None) -> None:
    settings = load_settings(EXAMPLE)
    assert settings.seller.language == "fr"
    assert settings.imap is not None and settings.imap.resolve_password("imap") == "imap-pw"
    assert settings.links.effective_mode == "notify"  # no session configured
    assert settings.reminders.quiet_window() is not None
    assert "claire.martin@lumen-et-cie.fr" in settings.seller.addresses


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    return path


BASE = """
[seller]
addresses = ["a@example.com"]
[bot]
address = "bot@example.com"
secret = "0123456789abcdef0123"
[smtp]
host = "localhost"
"""


@pytest.mark.parametrize("extra, key, words", [
    ("[imap]\nhost='h'\nusername='u'\nport='abc'\n", "imap.port", "integer"),
    ("[links]\nmode='click'\n", "links.mode", "follow"),
    ("[reminders]\nquiet_hours='22h'\n", "reminders.quiet_hours", "HH:MM"),
    ("[policy]\nauto_authorise='all'\n", "policy.auto_authorise", "unknown key"),
    ("[links]\nstand_in='http://evil.example:80'\n", "links.stand_in", "127.0.0.1"),
])
def test_bad_values_name_file_key_problem(tmp_path: Path, extra: str, key: str,
                                          words: str) -> None:
    path = _write(tmp_path, BASE + extra)
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    message = str(err.value)
    assert str(path) in message
    assert key in message
    assert words in message


def test_missing_required_key(tmp_path: Path) -> None:
    path = _write(tmp_path, BASE.replace('host = "localhost"', ""))
    with pytest.raises(ConfigError, match=r"smtp\.host: required key is missing"):
        load_settings(path)


def test_secret_from_missing_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOPE_SECRET", raising=False)
    path = _write(tmp_path, BASE.replace('secret = "0123456789abcdef0123"',
                                         'secret_env = "NOPE_SECRET"'))
    with pytest.raises(ConfigError, match="NOPE_SECRET is not set"):
        load_settings(path)


def test_secret_from_command(tmp_path: Path) -> None:
    path = _write(tmp_path, BASE.replace('secret = "0123456789abcdef0123"',
                                         'secret_command = "echo abcdefghijklmnopqrstuvwxyz"'))
    assert load_settings(path).secret_key() == b"abcdefghijklmnopqrstuvwxyz"


def test_not_toml(tmp_path: Path) -> None:
    path = _write(tmp_path, "[seller\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(path)


def test_sku_override_file_errors_name_the_line(tmp_path: Path) -> None:
    overrides = tmp_path / "skus.csv"
    overrides.write_text("sku,action\nLAMP-1,authorize\nLAMP-2,sometimes\n", encoding="utf-8")
    path = _write(tmp_path, BASE + f'[policy]\nsku_overrides_file = "{overrides}"\n')
    with pytest.raises(ConfigError, match=r"policy\.sku_overrides_file: .*line 3"):
        load_settings(path)
    overrides.write_text("sku;action\nLAMP-1;authorize\nLAMP-2;manual # fragile\n")
    from bot.edges.config import load_sku_overrides
    assert load_sku_overrides(overrides) == {"LAMP-1": "authorize", "LAMP-2": "manual"}


def test_away_period_end_before_start(tmp_path: Path) -> None:
    path = _write(tmp_path, BASE + '[[policy.away]]\nstart = 2026-12-20\nend = 2026-12-01\n')
    with pytest.raises(ConfigError, match=r"policy\.away\.0.*end is before start"):
        load_settings(path)
