"""check-config --connect, doctor, the metrics endpoint and OAuth2 (XOAUTH2), on real servers.

IMAP: the private Dovecot (tests/dovecot.py), and for XOAUTH2 a Dovecot with an `oauth2`
passdb asking a token introspection endpoint run here (tests/dovecot_oauth.py). SMTP: the
aiosmtpd sink, and an aiosmtpd server speaking AUTH XOAUTH2. OAuth token endpoints: http.server
on 127.0.0.1 (the real ones are not reachable from tests).
"""

from __future__ import annotations

import base64
import json
import os
import stat
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from timeshift import at
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from dovecot_oauth import IntrospectionEndpoint, OAuthDovecotServer
from imapclient.exceptions import LoginError
from prometheus_client.parser import text_string_to_metric_families

from bot.edges.config import Settings, settings_from_dict
from bot.app.daemon import InstanceLock
from bot.edges import oauth
from bot.edges.metrics import MetricsServer
from bot.edges.oauth import OAuthError, OAuthToken
from bot.edges.store import MIGRATIONS, Store
from bot.app.ops import check_connections, check_imap, check_smtp, doctor, render_checks
from bot.demo.sandbox import SmtpSink, free_port

pytestmark = pytest.mark.servers

NOW = at(2026, 11, 22, 8, 0)  # moved by SELLERBOT_TEST_SHIFT_DAYS like every test clock


def make_settings(db: Path, dovecot: Any, sink: SmtpSink, **sections: dict[str, Any]
                  ) -> Settings:
    data: dict[str, Any] = {
        "seller": {"addresses": ["claire@lumen.test"]},
        "bot": {"address": "bot@lumen.test", "database": str(db),
                "secret": "test-secret-0123456789"},
        "imap": {"host": dovecot.host, "port": dovecot.port, "security": "none",
                 "username": dovecot.user, "password": dovecot.password},
        "smtp": {"host": sink.host, "port": sink.port, "security": "none"},
    }
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return settings_from_dict(data, source="<test>")


def by_name(results: list[Any]) -> dict[str, Any]:
    return {r.name: r for r in results}


# ---------------------------------------------------------------------------------------------
# check_connections
# ---------------------------------------------------------------------------------------------


def test_check_connections_ok(tmp_path: Path, dovecot: Any) -> None:
    dovecot.append(b"Subject: x\r\n\r\nhi\r\n", folder="Amazon")
    with SmtpSink(auth=("u", "p")) as sink:
        settings = make_settings(tmp_path / "db", dovecot, sink,
                                 imap={"folders": ["INBOX", "Amazon"],
                                       "quarantine_folder": "Quarantine"},
                                 smtp={"username": "u", "password": "p"})
        results = check_connections(settings)
        checks = by_name(results)
        assert all(r.ok for r in results), render_checks(results)
        assert checks["imap login"].detail == "seller (password)"
        assert "INBOX, Amazon present" in checks["imap folders"].detail
        assert checks["imap folder Quarantine"].warning  # created at first use
        assert checks["smtp login"].detail == "u (password)"
        assert sink.messages == []  # nothing was sent
    text = render_checks(results)
    assert "0 failed" in text and "OK    imap login" in text


def test_check_connections_wrong_passwords_say_so_without_them(tmp_path: Path, dovecot: Any
                                                               ) -> None:
    with SmtpSink(auth=("u", "right-pass")) as sink:
        settings = make_settings(tmp_path / "db", dovecot, sink,
                                 imap={"password": "Wr0ngImapPass"},
                                 smtp={"username": "u", "password": "Wr0ngSmtpPass"})
        results = check_connections(settings)
    checks = by_name(results)
    assert checks["imap connect"].ok
    assert not checks["imap login"].ok
    assert "seller refused" in checks["imap login"].detail
    assert "AUTHENTICATIONFAILED" in checks["imap login"].detail
    assert not checks["smtp login"].ok
    assert "535" in checks["smtp login"].detail and "u refused" in checks["smtp login"].detail
    text = render_checks(results)
    for secret in ("Wr0ngImapPass", "Wr0ngSmtpPass",
                   base64.b64encode(b"Wr0ngSmtpPass").decode()):
        assert secret not in text
    assert "FAIL  imap login" in text


def test_check_connections_missing_folder_and_no_server(tmp_path: Path, dovecot: Any) -> None:
    port = free_port()
    sink = SmtpSink(port=port)  # never started: connection refused
    settings = make_settings(tmp_path / "db", dovecot, sink,
                             imap={"folders": ["INBOX", "Amazon/Retours"]})
    checks = by_name(check_connections(settings))
    assert not checks["imap folders"].ok
    assert "missing: Amazon/Retours" in checks["imap folders"].detail
    assert not checks["smtp connect"].ok
    assert f"127.0.0.1:{port}" in checks["smtp connect"].detail


def test_check_connections_secret_from_missing_env(tmp_path: Path, dovecot: Any,
                                                   smtp_sink: SmtpSink) -> None:
    os.environ.pop("SB_TEST_NO_SUCH_VAR", None)
    settings = make_settings(tmp_path / "db", dovecot, smtp_sink,
                             imap={"password": None, "password_env": "SB_TEST_NO_SUCH_VAR"})
    checks = by_name(check_connections(settings))
    assert not checks["imap login"].ok
    assert "SB_TEST_NO_SUCH_VAR is not set" in checks["imap login"].detail
    assert checks["smtp connect"].ok


def test_smtp_starttls_required_but_not_offered(smtp_sink: SmtpSink) -> None:
    checks = by_name(check_smtp(smtp_sink.host, smtp_sink.port, "starttls", None, timeout=5))
    assert not checks["smtp connect"].ok
    assert "does not offer STARTTLS" in checks["smtp connect"].detail


# ---------------------------------------------------------------------------------------------
# doctor
# ---------------------------------------------------------------------------------------------


def _populated_store(path: Path) -> None:
    store = Store(path)
    store.save_sync_state("seller@127.0.0.1", "INBOX", 7, 42, NOW - timedelta(minutes=5))
    store.enqueue(kind="email", effect_key="a", payload={}, now=NOW)
    store.enqueue(kind="email", effect_key="b", payload={}, now=NOW, status="failed")
    row = store.record_message(source="imap", account="a", folder="INBOX", uidvalidity=7, uid=1,
                               message_id="<m@x>", body_hash="h", kind="unknown",
                               status="quarantined", reason="test", subject="s",
                               processed_at="2026-11-22T08:00:00+00:00")
    store.quarantine(row, "test", b"raw", NOW)
    store.insert_case({"ref": "RET-2026-0001", "kind": "return", "state": "return_requested",
                       "order_id": "402-1", "opened_at": "2026-11-22T07:00:00+00:00"})
    store.insert_case({"ref": "RET-2026-0002", "kind": "return", "state": "return_closed",
                       "order_id": "402-2", "opened_at": "2026-11-22T07:00:00+00:00"})
    store.close()


def test_doctor_reports_state_and_lock(tmp_path: Path, dovecot: Any, smtp_sink: SmtpSink
                                       ) -> None:
    db = tmp_path / "sellerbot.db"
    settings = make_settings(db, dovecot, smtp_sink, imap={"folders": ["INBOX", "Amazon"]})
    checks = by_name(doctor(settings, NOW))
    assert not checks["database"].ok and "does not exist" in checks["database"].detail

    _populated_store(db)
    results = doctor(settings, NOW)
    checks = by_name(results)
    assert checks["python"].ok
    assert "imapclient " in checks["packages"].detail
    assert checks["database"].ok, checks["database"].detail
    assert "journal_mode=wal" in checks["database"].detail
    assert "quick_check ok" in checks["database"].detail
    assert checks["migrations"].detail == f"{len(MIGRATIONS)} applied"
    assert "UIDVALIDITY 7, last UID 42" in checks["sync INBOX"].detail
    assert "(5 min ago)" in checks["sync INBOX"].detail
    assert checks["sync Amazon"].warning and "never synced" in checks["sync Amazon"].detail
    assert "failed 1" in checks["outbox"].detail and "pending 1" in checks["outbox"].detail
    assert checks["outbox"].warning
    assert checks["quarantine"].detail == "1 message(s)"
    assert checks["open cases"].detail == "1 (return 1)"
    assert "no lock file" in checks["daemon lock"].detail

    lock = InstanceLock(str(db))
    lock.acquire()
    try:
        checks = by_name(doctor(settings, NOW))
        assert checks["daemon lock"].detail == f"held: a sellerbot is running (pid {os.getpid()})"
    finally:
        lock.release()
    checks = by_name(doctor(settings, NOW))
    assert checks["daemon lock"].detail.startswith("free")
    assert "0 failed" in render_checks([r for r in results if r.ok])


# ---------------------------------------------------------------------------------------------
# metrics
# ---------------------------------------------------------------------------------------------


def parse_prometheus(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """{(sample name, labels): value} by prometheus-client's own parser (which also refuses a
    malformed exposition); every family must come with its HELP and TYPE."""
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for family in text_string_to_metric_families(text):
        assert family.documentation and family.type in ("counter", "gauge", "info"), family.name
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def ours(metrics: dict[tuple[str, frozenset[tuple[str, str]]], float]
         ) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {k: v for k, v in metrics.items() if k[0].startswith("sellerbot_")}


def test_metrics_endpoint(tmp_path: Path) -> None:
    db = tmp_path / "sellerbot.db"
    _populated_store(db)
    store = Store(db)
    case = store.case_by_ref("RET-2026-0001")
    assert case is not None
    store.add_reminder(case["id"], NOW, "reminder", 1)
    rid = store.reminders(case["id"])[0]["id"]
    store.set_reminder_status(rid, "sent", NOW)
    with MetricsServer(str(db), port=0, now_fn=lambda: NOW) as server:
        assert server.url.startswith("http://127.0.0.1:")  # loopback unless configured
        with urllib.request.urlopen(server.url, timeout=5) as response:
            assert response.headers["Content-Type"].startswith("text/plain; version=")
            metrics = parse_prometheus(response.read().decode())
        # the writer keeps writing while the endpoint reads (own read-only connection)
        store.save_sync_state("seller@127.0.0.1", "INBOX", 7, 43, NOW - timedelta(seconds=30))
        store.insert_case({"ref": "AZ-2026-0003", "kind": "claim",
                           "state": "claim_info_requested", "order_id": "402-3",
                           "opened_at": (NOW - timedelta(hours=1)).isoformat(),
                           "deadline": (NOW - timedelta(minutes=30)).isoformat()})
        with urllib.request.urlopen(server.url, timeout=5) as response:
            again = parse_prometheus(response.read().decode())
        request = urllib.request.Request(server.url, headers={
            "Accept": "application/openmetrics-text; version=1.0.0"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.headers["Content-Type"].startswith("application/openmetrics-text")
            openmetrics = response.read().decode()
    store.close()
    assert metrics[("sellerbot_up", frozenset())] == 1
    assert metrics[("sellerbot_messages_total", frozenset({("status", "quarantined")}))] == 1
    assert metrics[("sellerbot_messages_total", frozenset({("status", "processed")}))] == 0
    assert metrics[("sellerbot_quarantined_total", frozenset())] == 1
    assert metrics[("sellerbot_reminders_sent_total", frozenset())] == 1
    assert metrics[("sellerbot_outbox_depth", frozenset({("status", "pending")}))] == 1
    assert metrics[("sellerbot_outbox_depth", frozenset({("status", "failed")}))] == 1
    assert metrics[("sellerbot_outbox_depth", frozenset({("status", "uncertain")}))] == 0
    assert metrics[("sellerbot_seconds_since_last_sync", frozenset({("folder", "INBOX")}))] == 300
    assert metrics[("sellerbot_open_cases", frozenset({("kind", "return"),
                                                       ("state", "return_requested")}))] == 1
    assert not any(k[0] == "sellerbot_open_cases" and ("state", "return_closed") in k[1]
                   for k in metrics)
    assert not any(k[0] == "sellerbot_seconds_to_nearest_deadline" for k in metrics)
    assert again[("sellerbot_seconds_since_last_sync", frozenset({("folder", "INBOX")}))] == 30
    assert again[("sellerbot_seconds_to_nearest_deadline", frozenset({("kind", "claim")}))] \
        == -1800  # overdue by half an hour on the injected clock
    assert again[("sellerbot_open_cases", frozenset({("kind", "claim"),
                                                     ("state", "claim_info_requested")}))] == 1
    # the library's process collector, next to ours
    assert metrics[("process_resident_memory_bytes", frozenset())] > 1_000_000
    assert metrics[("process_open_fds", frozenset())] >= 3
    assert ("python_info" in {k[0] for k in metrics})
    assert openmetrics.rstrip().endswith("# EOF") and "sellerbot_quarantined_total 1" in openmetrics


def test_metrics_without_database_reports_down(tmp_path: Path) -> None:
    with MetricsServer(str(tmp_path / "absent.db"), port=0) as server:
        with urllib.request.urlopen(server.url, timeout=5) as response:
            metrics = parse_prometheus(response.read().decode())
    assert ours(metrics) == {("sellerbot_up", frozenset()): 0}
    assert ("process_start_time_seconds", frozenset()) in metrics  # still there
    assert not (tmp_path / "absent.db").exists()  # read-only: never creates it


def test_every_metric_is_documented_in_the_readme(tmp_path: Path) -> None:
    """The README's Metrics table names every family the collector yields (docs cannot drift)."""
    from bot.edges.metrics import StoreCollector

    db = tmp_path / "sellerbot.db"
    _populated_store(db)
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Metrics", 1)[1].split("\n## ", 1)[0]
    families = list(StoreCollector(str(db), lambda: NOW).collect())
    assert len(families) >= 8
    for family in families:
        name = family.name + ("_total" if family.type == "counter" else "")
        assert f"| `{name}` | {family.type} |" in section, name


def test_metrics_server_listens_on_the_configured_address_only(tmp_path: Path) -> None:
    import socket

    with MetricsServer(str(tmp_path / "x.db"), host="127.0.0.1", port=0) as server:
        bound = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:  # the port is taken on 127.0.0.1 only: another address can still bind it
            bound.bind(("127.0.0.2", server.port))
        finally:
            bound.close()
        with socket.create_connection(("127.0.0.1", server.port), timeout=5):
            pass
    with pytest.raises(OSError):  # stopped: nothing listens any more
        socket.create_connection(("127.0.0.1", server.port), timeout=2).close()


# ---------------------------------------------------------------------------------------------
# OAuth: a token endpoint on loopback
# ---------------------------------------------------------------------------------------------


class TokenEndpoint:
    """Stands in for Google's/Microsoft's token (and device code) endpoints."""

    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        self.valid_refresh = {"refresh-1"}
        self.rotate = False
        self.issued: list[str] = []
        self.device_errors: list[str] = []  # device flow: answer these errors first, in turn
        self.delay = 0.0  # seconds before answering (a slow provider widens every race)
        self.html_status: int | None = None  # answer with a gateway's HTML page instead
        self.lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in urllib.parse.parse_qs(
                    self.rfile.read(length).decode()).items()}
                time.sleep(endpoint.delay)
                status, body = endpoint.answer(self.path, form)
                data, ctype = json.dumps(body).encode(), "application/json"
                if endpoint.html_status is not None:
                    status, ctype = endpoint.html_status, "text/html"
                    data = b"<html><body>Bad gateway</body></html>"
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                       kwargs={"poll_interval": 0.05})

    def _issue(self, refresh_token: str | None) -> dict[str, Any]:
        access = f"access-{len(self.issued) + 1}"
        self.issued.append(access)
        body: dict[str, Any] = {"access_token": access, "expires_in": 3599,
                                "token_type": "Bearer", "scope": "https://mail.google.com/"}
        if refresh_token:
            body["refresh_token"] = refresh_token
        return body

    def answer(self, path: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.requests.append({"path": path, **form})
            if path == "/devicecode":
                return 200, {"device_code": "dev-123", "user_code": "ABCD-EFGH",
                             "verification_uri": "https://microsoft.com/devicelogin",
                             "expires_in": 900, "interval": 1,
                             "message": "To sign in, enter ABCD-EFGH at "
                                        "https://microsoft.com/devicelogin"}
            grant = form.get("grant_type")
            if form.get("client_id") != "cid":
                return 401, {"error": "invalid_client"}
            if grant == "refresh_token":
                if form.get("refresh_token") not in self.valid_refresh:
                    return 400, {"error": "invalid_grant",
                                 "error_description": "Token has been expired or revoked."}
                new = None
                if self.rotate:
                    new = f"refresh-{len(self.issued) + 2}"
                    self.valid_refresh = {new}
                return 200, self._issue(new)
            if grant == "urn:ietf:params:oauth:grant-type:device_code":
                if form.get("device_code") != "dev-123":
                    return 400, {"error": "invalid_grant"}
                if self.device_errors:
                    return 400, {"error": self.device_errors.pop(0)}
                return 200, self._issue("refresh-1")
            if grant == "authorization_code":
                if form.get("code") != "the-code" or not form.get("code_verifier"):
                    return 400, {"error": "invalid_grant"}
                return 200, self._issue("refresh-1")
            return 400, {"error": "unsupported_grant_type"}

    def __enter__(self) -> TokenEndpoint:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def token_endpoint() -> Iterator[TokenEndpoint]:
    with TokenEndpoint() as endpoint:
        yield endpoint


def local_provider(endpoint: TokenEndpoint, name: str = "gmail") -> oauth.OAuthProvider:
    return oauth.provider(name, "cid", "csecret", token_endpoint=f"{endpoint.base}/token",
                          device_endpoint=f"{endpoint.base}/devicecode"
                          if name == "microsoft" else None)


def test_xoauth2_string_and_providers() -> None:
    assert oauth.xoauth2_string("a@b.c", "tok") == "user=a@b.c\x01auth=Bearer tok\x01\x01"
    ms = oauth.provider("microsoft", "cid", tenant="contoso.onmicrosoft.com")
    assert ms.token_endpoint == ("https://login.microsoftonline.com/contoso.onmicrosoft.com"
                                 "/oauth2/v2.0/token")
    assert ms.scope == ("https://outlook.office.com/IMAP.AccessAsUser.All "
                        "https://outlook.office.com/SMTP.Send offline_access")
    g = oauth.provider("gmail", "cid", "sec")
    assert g.token_endpoint == "https://oauth2.googleapis.com/token"
    assert g.scopes == ("https://mail.google.com/",) and g.device_endpoint is None
    assert "csecret" not in repr(oauth.provider("gmail", "cid", "csecret"))
    with pytest.raises(OAuthError):
        oauth.provider("yahoo", "cid")
    text = oauth.device_flow_instructions("microsoft", "cid")
    assert "cid" in text and "IMAP.AccessAsUser.All" in text
    assert "127.0.0.1" in oauth.device_flow_instructions(g)


def test_pkce_authorization_url_and_pasted_redirect() -> None:
    verifier, challenge = oauth.pkce_pair()
    assert 43 <= len(verifier) <= 128
    import hashlib
    assert challenge == base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    url = oauth.authorization_url(oauth.provider("gmail", "cid"), "http://127.0.0.1:1/", "st",
                                  verifier, login_hint="a@b.c")
    params = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert params["scope"] == ["https://mail.google.com/"]
    assert params["access_type"] == ["offline"] and params["code_challenge_method"] == ["S256"]
    assert params["code_challenge"] == [challenge] and params["state"] == ["st"]
    assert params["redirect_uri"] == ["http://127.0.0.1:1/"] and "code_verifier" not in params
    assert params["login_hint"] == ["a@b.c"] and params["response_type"] == ["code"]
    assert oauth.parse_redirect("http://127.0.0.1:1/?state=st&code=4/abc&scope=x", "st") == "4/abc"
    assert oauth.parse_redirect("  4/abc  ", "st") == "4/abc"
    with pytest.raises(OAuthError, match="state differs"):
        oauth.parse_redirect("http://127.0.0.1:1/?state=other&code=c", "st")
    with pytest.raises(OAuthError, match="access_denied"):
        oauth.parse_redirect("http://127.0.0.1:1/?error=access_denied&state=st", "st")


def test_refresh_and_token_file(tmp_path: Path, token_endpoint: TokenEndpoint) -> None:
    prov = local_provider(token_endpoint)
    token = oauth.refresh(prov, "refresh-1", NOW, 5)
    assert token.access_token == "access-1"
    assert token.refresh_token == "refresh-1"  # Google sends none back: the old one is kept
    assert token.expires_at == NOW + timedelta(seconds=3599)
    assert "access-1" not in repr(token)
    sent = token_endpoint.requests[-1]
    assert sent["grant_type"] == "refresh_token" and sent["client_secret"] == "csecret"
    assert "scope" not in sent  # Google: the granted scopes stay as they are

    path = tmp_path / "tokens" / "gmail.json"
    oauth.save_token(path, OAuthToken("old", "refresh-1", NOW + timedelta(seconds=100)))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # expires within the 300 s margin: refreshed and written back
    fresh = oauth.ensure_fresh(path, prov, NOW)
    assert fresh.access_token == "access-2"
    assert oauth.load_token(path).access_token == "access-2"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # still fresh: no request
    count = len(token_endpoint.requests)
    assert oauth.ensure_fresh(path, prov, NOW + timedelta(minutes=30)).access_token == "access-2"
    assert len(token_endpoint.requests) == count
    ok, detail = oauth.describe_token(path, NOW)
    assert ok and "valid 59 min more" in detail and "refresh token present" in detail


def test_refresh_rotation_concurrency_and_revocation(tmp_path: Path,
                                                     token_endpoint: TokenEndpoint) -> None:
    prov = local_provider(token_endpoint, "microsoft")
    token_endpoint.rotate = True
    path = tmp_path / "ms.json"
    oauth.save_token(path, OAuthToken("old", "refresh-1", NOW - timedelta(seconds=1)))
    results: list[str] = []

    def worker() -> None:
        results.append(oauth.ensure_fresh(path, prov, NOW).access_token)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # one refresh for eight callers; the rotated refresh token is what the file now holds
    assert results == ["access-1"] * 8
    refreshes = [r for r in token_endpoint.requests if r.get("grant_type") == "refresh_token"]
    assert len(refreshes) == 1
    assert "offline_access" in refreshes[0]["scope"]
    assert oauth.load_token(path).refresh_token == "refresh-2"

    token_endpoint.valid_refresh = set()  # the seller revoked access
    with pytest.raises(OAuthError) as err:
        oauth.ensure_fresh(path, prov, NOW + timedelta(hours=2))
    assert err.value.permanent and err.value.code == "invalid_grant"
    assert "refresh-2" not in str(err.value)
    with pytest.raises(OAuthError) as err:
        oauth.ensure_fresh(tmp_path / "none.json", prov, NOW)
    assert err.value.permanent and "sellerbot auth" in str(err.value)


def test_unreachable_token_endpoint_is_transient(tmp_path: Path) -> None:
    prov = oauth.provider("gmail", "cid", token_endpoint=f"http://127.0.0.1:{free_port()}/t")
    with pytest.raises(OAuthError) as err:
        oauth.refresh(prov, "r", NOW, 2)
    assert not err.value.permanent and "cannot reach" in str(err.value)


@pytest.mark.parametrize("status, message", [(502, "answered HTTP 502"),
                                             (200, "something else than a JSON object"),
                                             (403, "answered HTTP 403")])
def test_a_gateway_page_instead_of_json_is_transient(token_endpoint: TokenEndpoint, status: int,
                                                     message: str) -> None:
    token_endpoint.html_status = status
    with pytest.raises(OAuthError, match=message) as err:
        oauth.refresh(local_provider(token_endpoint), "refresh-1", NOW, 5)
    assert not err.value.permanent and "refresh-1" not in str(err.value)


def test_authorize_device_flow(tmp_path: Path, token_endpoint: TokenEndpoint) -> None:
    prov = local_provider(token_endpoint, "microsoft")
    token_endpoint.device_errors = ["authorization_pending", "authorization_pending"]
    shown: list[str] = []
    sleeps: list[float] = []
    path = tmp_path / "ms.json"
    token = oauth.authorize(prov, path, echo=shown.append, prompt=lambda _: "",
                            sleep=sleeps.append, now_fn=lambda: NOW)
    assert token.refresh_token == "refresh-1"
    assert oauth.load_token(path).access_token == token.access_token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert any("ABCD-EFGH" in s for s in shown)
    assert sleeps == [1, 1]
    device_req = token_endpoint.requests[0]
    assert device_req["path"] == "/devicecode" and "SMTP.Send" in device_req["scope"]


def test_device_flow_slow_down_backs_off_for_good(tmp_path: Path,
                                                   token_endpoint: TokenEndpoint) -> None:
    """RFC 8628 §3.5: slow_down adds 5 s to the interval for this and every later poll."""
    prov = local_provider(token_endpoint, "microsoft")
    token_endpoint.device_errors = ["authorization_pending", "slow_down",
                                    "authorization_pending"]
    sleeps: list[float] = []
    token = oauth.authorize(prov, tmp_path / "ms.json", echo=lambda _: None,
                            sleep=sleeps.append, now_fn=lambda: NOW)
    assert sleeps == [1, 6, 6]
    assert token.expires_at == NOW + timedelta(seconds=3599)  # on the injected clock
    polls = [r for r in token_endpoint.requests if r["path"] == "/token"]
    assert len(polls) == 4 and all(r["device_code"] == "dev-123" for r in polls)
    assert all("client_secret" in r for r in polls)  # a confidential client says who it is


@pytest.mark.parametrize("error, message", [
    ("expired_token", "expired before the sign-in; run `sellerbot auth` again"),
    ("access_denied", "access_denied"),
])
def test_device_flow_ends_on_expiry_or_refusal(tmp_path: Path, token_endpoint: TokenEndpoint,
                                                error: str, message: str) -> None:
    prov = local_provider(token_endpoint, "microsoft")
    token_endpoint.device_errors = ["authorization_pending", error, "authorization_pending"]
    sleeps: list[float] = []
    with pytest.raises(OAuthError, match=message) as err:
        oauth.authorize(prov, tmp_path / "ms.json", echo=lambda _: None, sleep=sleeps.append,
                        now_fn=lambda: NOW)
    assert err.value.permanent and err.value.code == error
    assert sleeps == [1]  # stopped at once, no poll after the answer
    assert token_endpoint.device_errors == ["authorization_pending"]
    assert not (tmp_path / "ms.json").exists()


def test_device_flow_gives_up_when_the_code_runs_out(token_endpoint: TokenEndpoint) -> None:
    """Our own deadline: a server that keeps saying pending cannot keep us forever."""
    prov = local_provider(token_endpoint, "microsoft")
    token_endpoint.device_errors = ["authorization_pending"] * 5
    device = oauth.DeviceCode("dev-123", "ABCD-EFGH", "https://microsoft.com/devicelogin",
                              expires_in=0, interval=1)
    with pytest.raises(OAuthError, match="ABCD-EFGH expired") as err:
        oauth.device_flow_poll(prov, device, sleep=lambda _: None, now_fn=lambda: NOW)
    assert err.value.code == "expired_token" and err.value.permanent


def test_invalid_grant_says_run_auth_and_leaks_nothing(tmp_path: Path,
                                                       token_endpoint: TokenEndpoint,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    prov = local_provider(token_endpoint, "gmail")
    path = tmp_path / "g.json"
    oauth.save_token(path, OAuthToken("SeCrEtAccess", "SeCrEtRefresh", NOW - timedelta(1)))
    caplog.set_level("DEBUG")  # urllib3/requests/authlib debug logs included
    with pytest.raises(OAuthError) as err:
        oauth.TokenSource(path, prov, lambda: NOW)()
    text = str(err.value)
    assert err.value.permanent and err.value.code == "invalid_grant"
    assert "Token has been expired or revoked." in text
    assert "run `sellerbot auth` again" in text
    assert token_endpoint.requests[-1]["refresh_token"] == "SeCrEtRefresh"  # it was sent...
    assert '"POST /token HTTP/1.1" 400' in caplog.text  # the HTTP library's log was captured
    for secret in ("SeCrEtRefresh", "SeCrEtAccess", "csecret"):  # ...and shown nowhere
        assert secret not in text and secret not in repr(err.value)
        assert secret not in caplog.text
    assert oauth.load_token(path).refresh_token == "SeCrEtRefresh"  # the file is left alone


def test_rotated_refresh_token_is_persisted_by_the_update_hook(
        tmp_path: Path, token_endpoint: TokenEndpoint) -> None:
    """Microsoft rotates: the old refresh token is dead once used, the new one must be on disk
    before anyone else reads the file (hook inside the lock); the next refresh spends it."""
    prov = local_provider(token_endpoint, "microsoft")
    token_endpoint.rotate = True
    path = tmp_path / "ms.json"
    oauth.save_token(path, OAuthToken("old", "refresh-1", NOW - timedelta(seconds=1)))
    seen: list[OAuthToken] = []
    token = oauth.refresh(prov, "refresh-1", NOW, 5, on_update=seen.append)
    assert seen == [token] and token.refresh_token == "refresh-2"
    assert token_endpoint.valid_refresh == {"refresh-2"}
    oauth.save_token(path, token)
    later = NOW + timedelta(hours=1)
    assert oauth.ensure_fresh(path, prov, later).access_token == "access-2"
    assert oauth.load_token(path).refresh_token == "refresh-3"
    assert oauth.load_token(path).expires_at == later + timedelta(seconds=3599)
    with pytest.raises(OAuthError, match="invalid_grant"):  # the spent one is really dead
        oauth.refresh(prov, "refresh-2", later, 5)


_REFRESH_IN_A_PROCESS = """
import sys
from datetime import datetime
from bot.edges import oauth
prov = oauth.provider("microsoft", "cid", "csecret", token_endpoint=sys.argv[2])
now = datetime.fromisoformat(sys.argv[3])
print("ready", flush=True)
sys.stdin.readline()  # start together
print(oauth.ensure_fresh(sys.argv[1], prov, now).access_token, flush=True)
"""


def test_two_processes_spend_a_rotated_refresh_token_once(tmp_path: Path,
                                                          token_endpoint: TokenEndpoint) -> None:
    """Two daemons' watchers (processes, not threads: the flock, not the thread lock)."""
    import subprocess
    import sys

    prov = local_provider(token_endpoint, "microsoft")
    token_endpoint.rotate = True
    token_endpoint.delay = 0.3
    path = tmp_path / "ms.json"
    oauth.save_token(path, OAuthToken("old", "refresh-1", NOW - timedelta(seconds=1)))
    procs = [subprocess.Popen([sys.executable, "-c", _REFRESH_IN_A_PROCESS, str(path),
                               prov.token_endpoint, NOW.isoformat()],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for _ in range(3)]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline() == "ready\n"
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    outs = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0]
    assert outs == ["access-1"] * 3
    assert len([r for r in token_endpoint.requests if r.get("grant_type") == "refresh_token"]) == 1
    assert oauth.load_token(path).refresh_token == "refresh-2"


def test_authorize_loopback_and_manual(tmp_path: Path, token_endpoint: TokenEndpoint) -> None:
    prov = local_provider(token_endpoint, "gmail")

    def browser(url: str) -> None:  # plays the seller's browser following Google's redirect
        params = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        target = (params["redirect_uri"][0] + "?" + urllib.parse.urlencode(
            {"state": params["state"][0], "code": "the-code"}))
        threading.Thread(target=lambda: urllib.request.urlopen(target, timeout=5).read(),
                         daemon=True).start()

    token = oauth.authorize(prov, tmp_path / "g.json", echo=lambda _: None,
                            open_browser=browser, wait_seconds=10, now_fn=lambda: NOW)
    assert token.refresh_token == "refresh-1"
    exchange = token_endpoint.requests[-1]
    assert exchange["grant_type"] == "authorization_code"
    assert exchange["redirect_uri"].startswith("http://127.0.0.1:")

    shown: list[str] = []

    def paste(_: str) -> str:  # the seller copies the failed page's address
        url = next(s for s in shown if "accounts.google.com" in s).split()[-1]
        params = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        return f"http://127.0.0.1:1/?state={params['state'][0]}&code=the-code&scope=x"

    token = oauth.authorize(prov, tmp_path / "g2.json", echo=shown.append, prompt=paste,
                            manual=True, now_fn=lambda: NOW)
    assert oauth.load_token(tmp_path / "g2.json").access_token == token.access_token


# ---------------------------------------------------------------------------------------------
# XOAUTH2 against Dovecot (IMAP) and aiosmtpd (SMTP)
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def oauth_dovecot() -> Iterator[tuple[OAuthDovecotServer, IntrospectionEndpoint]]:
    with IntrospectionEndpoint({"good-token": "seller"}) as endpoint:
        server = OAuthDovecotServer(endpoint.url)
        try:
            server.start()
            yield server, endpoint
        except BaseException:
            print(server.diagnostics())
            raise
        finally:
            server.cleanup()


def test_xoauth2_login_against_dovecot(oauth_dovecot: Any) -> None:
    server, endpoint = oauth_dovecot
    from imapclient import IMAPClient

    client = IMAPClient(server.host, port=server.port, ssl=False, timeout=10)
    assert b"AUTH=XOAUTH2" in client.capabilities()
    client.oauth2_login("seller", "good-token")
    assert client.select_folder("INBOX")[b"EXISTS"] == 0
    client.logout()
    assert endpoint.requests[-1]["token"] == "good-token"
    assert endpoint.requests[-1]["method"] == "POST"

    # passwords still work for PLAIN/LOGIN next to OAuth2 (before any failure: Dovecot delays
    # logins from an address after a failed one)
    server.client().logout()

    client = IMAPClient(server.host, port=server.port, ssl=False, timeout=10)
    with pytest.raises(LoginError, match="AUTHENTICATIONFAILED"):
        client.oauth2_login("seller", "bad-token")
    client.shutdown()
    assert endpoint.requests[-1]["token"] == "bad-token"


def test_check_imap_with_refreshed_token_against_dovecot(tmp_path: Path, oauth_dovecot: Any,
                                                         token_endpoint: TokenEndpoint) -> None:
    """The whole path: expired token file -> refresh at the token endpoint -> XOAUTH2 login."""
    server, introspection = oauth_dovecot
    introspection.tokens["access-1"] = "seller"  # what the token endpoint will issue first
    path = tmp_path / "token.json"
    oauth.save_token(path, OAuthToken("expired", "refresh-1", NOW - timedelta(hours=1)))
    source = oauth.TokenSource(path, local_provider(token_endpoint), lambda: NOW)
    results = check_imap(server.host, server.port, "none", "seller", token=source, timeout=10)
    checks = by_name(results)
    assert all(r.ok for r in results), render_checks(results)
    assert checks["imap login"].detail == "seller (XOAUTH2)"
    assert oauth.load_token(path).access_token == "access-1"
    assert introspection.requests[-1]["token"] == "access-1"


def test_check_imap_refused_token_hides_it(oauth_dovecot: Any) -> None:
    server, _ = oauth_dovecot
    checks = by_name(check_imap(server.host, server.port, "none", "seller",
                                token="SeCrEtRevokedToken", timeout=10))
    assert not checks["imap login"].ok
    assert "token refused" in checks["imap login"].detail
    assert "SeCrEtRevokedToken" not in checks["imap login"].detail


class _XOAuth2Handler:
    """aiosmtpd handler adding AUTH XOAUTH2 (a test stand-in for Gmail/Office 365 SMTP)."""

    def __init__(self, tokens: dict[str, str]) -> None:
        self.tokens = tokens
        self.logins: list[str] = []

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:  # noqa: N802
        raw = base64.b64decode(args[1]) if len(args) > 1 else b""
        fields = dict(p.split("=", 1) for p in raw.decode().split("\x01") if "=" in p)
        user, bearer = fields.get("user", ""), fields.get("auth", "")
        if bearer.startswith("Bearer ") and self.tokens.get(bearer[7:]) == user:
            self.logins.append(user)
            return AuthResult(success=True, auth_data=user)
        # as Gmail does: a 334 with a JSON error, the client answers empty, then 535
        await server.challenge_auth(json.dumps({"status": "401", "schemes": "Bearer",
                                                "scope": "https://mail.google.com/"}))
        return AuthResult(success=False, handled=False)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


def test_smtp_xoauth2() -> None:
    handler = _XOAuth2Handler({"good-token": "seller@lumen.test"})
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, auth_require_tls=False,
                            authenticator=lambda *a: AuthResult(success=False))
    controller.start()
    try:
        ok = by_name(check_smtp("127.0.0.1", port, "none", "seller@lumen.test",
                                token="good-token", timeout=5))
        bad = by_name(check_smtp("127.0.0.1", port, "none", "seller@lumen.test",
                                 token="SeCrEtBadToken", timeout=5))
    finally:
        controller.stop()
    assert ok["smtp login"].ok and ok["smtp login"].detail == "seller@lumen.test (XOAUTH2)"
    assert handler.logins == ["seller@lumen.test"]
    assert not bad["smtp login"].ok and "535" in bad["smtp login"].detail
    assert "SeCrEtBadToken" not in bad["smtp login"].detail


def test_mailer_refreshes_then_sends_with_xoauth2_and_a_revoked_sign_in_is_permanent(
        tmp_path: Path, token_endpoint: TokenEndpoint) -> None:
    """The daemon's send path: expired token file -> refresh -> AUTH XOAUTH2 -> DATA; once the
    provider revokes the refresh token, the outbox gets a permanent error that says what to do."""
    from bot.edges import mailer

    handler = _XOAuth2Handler({"access-1": "seller@lumen.test"})
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, auth_require_tls=False,
                            authenticator=lambda *a: AuthResult(success=False))
    path = tmp_path / "token.json"
    oauth.save_token(path, OAuthToken("expired", "refresh-1", NOW - timedelta(hours=1)))
    source = oauth.TokenSource(path, local_provider(token_endpoint), lambda: NOW)
    target = mailer.SmtpTarget("127.0.0.1", port, "none", "seller@lumen.test", token=source)
    raw = b"From: bot@lumen.test\r\nTo: claire@lumen.test\r\nSubject: hi\r\n\r\nhello\r\n"
    controller.start()
    try:
        mailer.send(target, "bot@lumen.test", ["claire@lumen.test"], raw)
        assert handler.logins == ["seller@lumen.test"]
        token_endpoint.valid_refresh = set()
        oauth.save_token(path, OAuthToken("expired", "refresh-1", NOW - timedelta(hours=1)))
        with pytest.raises(mailer.PermanentSendError, match="run `sellerbot auth` again") as err:
            mailer.send(target, "bot@lumen.test", ["claire@lumen.test"], raw)
    finally:
        controller.stop()
    assert "refresh-1" not in str(err.value) and handler.logins == ["seller@lumen.test"]


def test_check_connections_and_doctor_with_oauth2_settings(tmp_path: Path, oauth_dovecot: Any,
                                                           token_endpoint: TokenEndpoint,
                                                           smtp_sink: SmtpSink,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """An `[imap.oauth2]` section, read by check_connections and doctor."""
    from bot.edges.config import OAuthSettings

    server, introspection = oauth_dovecot
    introspection.tokens["access-1"] = "seller"
    monkeypatch.setenv("SB_TEST_CLIENT_SECRET", "csecret")
    path = tmp_path / "token.json"
    oauth.save_token(path, OAuthToken("expired", "refresh-1", NOW - timedelta(hours=1)))
    settings = make_settings(tmp_path / "db", server, smtp_sink)
    assert settings.imap is not None
    oauth2 = OAuthSettings(provider="gmail", client_id="cid",
                           client_secret_env="SB_TEST_CLIENT_SECRET", token_file=str(path),
                           token_endpoint=f"{token_endpoint.base}/token")
    settings = settings.model_copy(
        update={"imap": settings.imap.model_copy(update={"oauth2": oauth2})})
    results = check_connections(settings, now_fn=lambda: NOW)
    assert all(r.ok for r in results), render_checks(results)
    assert by_name(results)["imap login"].detail == "seller (XOAUTH2)"
    assert token_endpoint.requests[-1]["client_secret"] == "csecret"
    checks = by_name(doctor(settings, NOW))
    assert checks["oauth token (imap)"].ok
    assert "valid 59 min more" in checks["oauth token (imap)"].detail
    os.chmod(path, 0o644)
    checks = by_name(doctor(settings, NOW + timedelta(hours=2)))
    assert not checks["oauth token (imap)"].ok
    assert "chmod 600" in checks["oauth token (imap)"].detail
    assert "expired 60 min ago" in checks["oauth token (imap)"].detail


def test_revoked_sign_in_alerts_the_seller_at_once(tmp_path: Path, oauth_dovecot: Any,
                                                   token_endpoint: TokenEndpoint,
                                                   smtp_sink: SmtpSink) -> None:
    """invalid_grant at the IMAP watcher: no waiting for the watchdog's minutes, one mail to
    the seller saying what to run, and the watcher backs off for minutes, not seconds."""
    from bot.edges.clock import FixedClock
    from bot.edges.config import OAuthSettings
    from bot.app.daemon import Daemon

    server, _ = oauth_dovecot
    path = tmp_path / "token.json"  # expired on any clock, and the provider revoked it
    oauth.save_token(path, OAuthToken("old", "SeCrEtRevoked",
                                      datetime(2000, 1, 1, tzinfo=timezone.utc)))
    server.append(b"Subject: x\r\n\r\nhi\r\n", folder="Amazon")
    settings = make_settings(tmp_path / "db", server, smtp_sink, bot={"watchdog_minutes": 60},
                             digest={"enabled": False}, imap={"folders": ["INBOX", "Amazon"]})
    assert settings.imap is not None
    oauth2 = OAuthSettings(provider="microsoft", client_id="cid", token_file=str(path),
                           token_endpoint=f"{token_endpoint.base}/token")
    settings = settings.model_copy(
        update={"imap": settings.imap.model_copy(update={"oauth2": oauth2})})
    daemon = Daemon(settings, FixedClock(NOW))
    daemon.start()
    worker = threading.Thread(target=daemon.serve, daemon=True)
    worker.start()
    def refreshes() -> int:
        return len([r for r in token_endpoint.requests if r.get("grant_type") == "refresh_token"])

    try:
        alert = smtp_sink.wait_for(1, 15)[0]
        until = time.monotonic() + 15  # catch-up of each folder, then each folder's watcher
        while refreshes() < 4 and time.monotonic() < until:
            time.sleep(0.05)
        assert daemon.barrier(10)  # whatever the second watcher queued has been handled
    finally:
        daemon.stop()
        worker.join(15)
        daemon.close()
    import email
    import email.policy

    msg = email.message_from_bytes(alert.raw, policy=email.policy.default)
    body = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "ATTENTION" in msg["Subject"] and "claire@lumen.test" in msg["To"]
    assert "invalid_grant" in body and "run `sellerbot auth` again" in body
    assert "SeCrEtRevoked" not in body
    assert len(smtp_sink.messages) == 1  # once per outage, not once per watcher or reconnect
    assert refreshes() == 4  # and then minutes of back-off, not a retry every few seconds


def test_sellerbot_auth_command_from_the_sellers_side(tmp_path: Path,
                                                      token_endpoint: TokenEndpoint) -> None:
    """`sellerbot auth --manual` as a seller runs it: read the URL, paste the address back."""
    import subprocess
    import sys

    token_file = tmp_path / "gmail-token.json"
    config = tmp_path / "config.toml"
    config.write_text(f"""
[seller]
addresses = ["claire@lumen.test"]
[bot]
address = "bot@lumen.test"
database = "{tmp_path / 'db'}"
secret = "test-secret-0123456789"
[imap]
host = "127.0.0.1"
username = "claire@lumen.test"
[imap.oauth2]
provider = "gmail"
client_id = "cid"
client_secret_env = "SB_TEST_SECRET"
token_file = "{token_file}"
token_endpoint = "{token_endpoint.base}/token"
[smtp]
host = "127.0.0.1"
""", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "auth", "--config", str(config),
                             "--manual"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "SB_TEST_SECRET": "csecret"})
    assert proc.stdout is not None and proc.stdin is not None
    url = ""
    while not url:
        line = proc.stdout.readline()
        assert line, "no authorization URL printed"
        if "accounts.google.com" in line:
            url = line.strip()
    params = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert params["login_hint"] == ["claire@lumen.test"]
    proc.stdin.write(f"http://127.0.0.1:1/?state={params['state'][0]}&code=the-code&scope=x\n")
    proc.stdin.flush()
    rest = proc.communicate(timeout=30)[0]
    assert proc.returncode == 0, rest
    assert "Token saved to" in rest and "sellerbot check-config" in rest
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert oauth.load_token(token_file).refresh_token == "refresh-1"
    assert "csecret" not in rest and "refresh-1" not in rest and "access-1" not in rest
    exchange = token_endpoint.requests[-1]
    assert exchange["grant_type"] == "authorization_code" and exchange["client_secret"] == "csecret"
