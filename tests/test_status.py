"""`sellerbot status` (computed by SQLite in bot.app.status) gives what the per-case Python
computation gave: local deadlines with the right offset on both sides of a DST change,
overdue first, hours left; as JSON and as tab-separated lines. Real store, real CLI."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from timeshift import PARIS, at, clock_env

from bot.app.cli import main
from bot.edges.store import Store, iso

NOW = at(2026, 11, 22, 9, 0)


def _config(tmp_path: Path, db: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text("\n".join([
        "[seller]", 'name = "Lumen & Co"', 'addresses = ["claire.martin@lumen-et-cie.fr"]',
        'language = "fr"', 'timezone = "Europe/Paris"', "",
        "[bot]", 'address = "assistant@lumen-et-cie.fr"', 'name = "Assistant"',
        f'database = "{db}"', 'secret = "status-secret-0123456789abcdef"', "",
        "[smtp]", 'host = "127.0.0.1"', "port = 9", 'security = "none"', ""]),
        encoding="utf-8")
    return path


@pytest.fixture
def shop(tmp_path: Path) -> tuple[Path, list[tuple[str, datetime | None]]]:
    db = tmp_path / "state.db"
    store = Store(db)
    cases: list[tuple[str, datetime | None]] = []
    # every 9 days 7 h 13 min over a year and a half: overdue ones, both DST changes, a
    # case with no deadline and a settled one (not listed)
    for i in range(60):
        deadline = NOW + timedelta(days=-200, hours=7, minutes=13) + i * timedelta(days=9,
                                                                                    hours=7)
        cases.append((f"R-{NOW.year}-{i:04d}", deadline))
    cases.append((f"M-{NOW.year}-0001", None))
    for ref, deadline in cases:
        store.insert_case({"ref": ref, "kind": "return", "state": "return_requested",
                           "order_id": f"405-{len(ref):07d}-{ref[-4:]}000",
                           "opened_at": iso(NOW), "deadline": iso(deadline),
                           "updated_at": iso(NOW), "data": {}})
    store.insert_case({"ref": f"R-{NOW.year}-9999", "kind": "return",
                       "state": "return_closed", "opened_at": iso(NOW),
                       "deadline": iso(NOW), "updated_at": iso(NOW), "data": {}})
    store.close()
    return _config(tmp_path, db), cases


def _run(config: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["status", "--config", str(config), *args],
                                env=clock_env(NOW))
    assert result.exit_code == 0, result.output
    return result.output


def test_json_matches_python_time_arithmetic(shop) -> None:  # type: ignore[no-untyped-def]
    config, cases = shop
    rows = json.loads(_run(config, "--json"))
    assert [r["ref"] for r in rows] == [ref for ref, _ in cases]  # by deadline, none last
    offsets = set()
    for row, (ref, deadline) in zip(rows, cases):
        if deadline is None:
            assert row["deadline"] is None and row["hours_left"] is None
            assert row["overdue"] is False
            continue
        assert row["deadline"] == deadline.astimezone(PARIS).isoformat()
        offsets.add(row["deadline"][-6:])
        assert row["overdue"] is (deadline <= NOW)
        # the clock runs on from NOW while the command starts: allow a few seconds
        assert abs(row["hours_left"] - (deadline - NOW).total_seconds() / 3600) <= 0.06
    assert offsets == {"+01:00", "+02:00"}


def test_piped_output_is_tab_separated_lines(shop) -> None:  # type: ignore[no-untyped-def]
    config, cases = shop
    lines = _run(config).splitlines()
    assert len(lines) == len(cases)
    first = lines[0].split("\t")
    assert first[0] == cases[0][0] and first[1] == "return" and first[2] == "return_requested"
    assert first[4] == cases[0][1].astimezone(PARIS).isoformat()  # type: ignore[union-attr]
    assert float(first[5]) < 0
    assert lines[-1].split("\t")[4:] == ["", ""]


def test_no_cases_prints_nothing_and_an_empty_json_list(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    Store(db).close()
    config = _config(tmp_path, db)
    assert _run(config) == ""
    assert json.loads(_run(config, "--json")) == []
