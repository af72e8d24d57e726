"""Shared fixtures: real servers on loopback (Dovecot, aiosmtpd, http.server), one per test.

Every fixture is function-scoped: Dovecot greets ~40 ms after exec and stops in a few ms, so
each test gets a fresh server, port, maildir and passwd-file and no test can see another's mail.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # `from dovecot import ...` in tests

from bot.demo.sandbox import ActionLinkStandIn, SmtpSink  # noqa: E402
from dovecot import DovecotError, DovecotServer  # noqa: E402
from timeshift import CLOCK_ENV, at  # noqa: E402


@pytest.fixture(autouse=True)
def _suite_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command a test runs in-process (CliRunner) or as a subprocess starts its clock at
    the suite's reference instant (22 Nov 2026 09:00 UTC, shifted), never at today's date; a
    test that needs another instant passes its own (timeshift.clock_env)."""
    monkeypatch.setenv(CLOCK_ENV, at(2026, 11, 22, 9, 0).isoformat())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def _failed(request: pytest.FixtureRequest) -> bool:
    report = getattr(request.node, "report_call", None)
    return report is None or report.failed


@pytest.fixture
def dovecot(request: pytest.FixtureRequest) -> Iterator[DovecotServer]:
    """A running private Dovecot with users `seller`/`secret` (the default) and `other`/`secret`.

    Fails (never skips) when Dovecot is missing: scripts/test installs it, and a suite that
    silently skipped its IMAP tests would pass without testing IMAP at all.
    """
    server = None
    try:
        server = DovecotServer()
        server.start()
    except DovecotError as exc:
        problem = str(exc)  # it quotes Dovecot's log
        if server is not None:
            server.cleanup()
    else:
        problem = ""
    if problem:
        pytest.fail(problem, pytrace=False)
    assert server is not None
    try:
        yield server
    finally:
        if _failed(request):
            print(server.diagnostics())  # shown under "Captured stdout teardown"
        server.cleanup()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A running SMTP sink on 127.0.0.1 (no auth)."""
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def link_standin() -> Iterator[ActionLinkStandIn]:
    """A running Seller Central stand-in on 127.0.0.1, answering 200 "OK" everywhere."""
    with ActionLinkStandIn() as standin:
        yield standin
