"""Each flow on its own: built with exactly what its constructor asks for, on a real SQLite
store in memory and a fixed clock, without the Service and without the other flows it does
not name. No server: what a flow produces is rows (cases, events, reminders, outbox), and the
outbox is executed in dry-run mode, which writes the mail it would send to a folder.
"""

from __future__ import annotations

import email
import email.policy
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core import tokens
from bot.core.deadlines import QuietHours
from bot.core.domain import Command, Item, Kind, LinkRole, Notice
from bot.core.parse import parse_message
from bot.edges import links, mailer
from bot.edges.clock import FixedClock
from bot.edges.config import Settings, settings_from_dict
from bot.edges.render import Renderer
from bot.edges.store import Store, iso, parse_iso
from bot.flows.action_links import ActionLinks
from bot.app.service import seller_policy
from bot.flows.answers import Answers
from bot.flows.cases import Cases
from bot.flows.digest import Digests
from bot.flows.outbox import Completions, Outbox
from bot.flows.reminders import Reminders
from bot.flows.replies import Replies
from bot.flows.seller_commands import SellerCommands
from bot.flows.seller_mail import SellerMail
from bot.flows.shared import IntakeMode
from bot.flows.shipments import Shipments
from bot.flows.transitions import SellerSteps
from tests.test_abuse import RETURN_02
from tests.timeshift import PARIS, at

SELLER, BOT = "vendeur@lumen-et-cie.fr", "assistant@lumen-et-cie.fr"
NOW = at(2026, 11, 22, 9, 0)
SECRET_SETTINGS: dict[str, Any] = {
    "seller": {"name": "Lumen & Co", "addresses": [SELLER], "backup": "associe@lumen-et-cie.fr"},
    "bot": {"address": BOT, "name": "Assistant Retours Lumen", "database": ":memory:",
            "secret": "flows-secret-0123456789", "subject_tag": "Lumen-Bot"},
    "smtp": {"host": "127.0.0.1", "port": 2525, "security": "none"},
    "links": {"mode": "follow"},
    "reminders": {"quiet_hours": None},
}


def _settings(**sections: dict[str, Any]) -> Settings:
    data = {k: dict(v) for k, v in SECRET_SETTINGS.items()}
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return settings_from_dict(data, source="<test>")


@pytest.fixture
def settings() -> Settings:
    return _settings()


@pytest.fixture
def store() -> Store:
    return Store(":memory:")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def _seller_mail(settings: Settings, store: Store, clock: FixedClock,
                 away: tuple[tuple[datetime, datetime], ...] = ()) -> SellerMail:
    return SellerMail(settings, store, clock, Renderer(settings.templates_dir),
                      settings.secret_key(), away=away)


#: The facts a case carries from its notice (bot.flows.cases.Cases._notice_data), unknown here.
NOTICE_FACTS = ("reason_normalized", "customer_comment", "amount", "policy_status",
                "policy_remark", "message_text", "buyer_name", "decision", "source_message_id",
                "subject", "tracking", "rma_id", "event_time", "deadline_source")


def _return_case(store: Store, *, hours_left: float = 40, links_: dict[str, str] | None = None,
                 state: str = "return_requested") -> dict[str, Any]:
    opened = NOW - timedelta(hours=48 - hours_left)
    return store.insert_case({
        "ref": store.next_ref("R", NOW.year), "kind": "return", "state": state,
        "marketplace": "amazon.fr", "language": "fr", "order_id": "171-1234567-7654321",
        "return_request_id": "DhQ3nZ7bR", "claim_id": None, "buyer_alias": None,
        "opened_at": iso(opened), "deadline": iso(opened + timedelta(hours=48)),
        "deadline_soft": None, "updated_at": iso(NOW),
        "data": {**dict.fromkeys(NOTICE_FACTS), "reason": "Article défectueux",
                 "items": [Item(title="Lampe de chevet", qty=1).to_json()],
                 "links": links_ if links_ is not None else {
                     "authorize": "https://sellercentral.amazon.fr/returns/authorize?id=1"}},
    })


def _parsed(raw: str) -> email.message.EmailMessage:
    return email.message_from_string(raw, policy=email.policy.default)  # type: ignore[return-value]


# ---------------------------------------------------------------------------- SellerMail
def test_seller_mail_queues_one_threaded_mail_with_a_reply_token(
        settings: Settings, store: Store, clock: FixedClock) -> None:
    mail = _seller_mail(settings, store, clock)
    case = _return_case(store)
    first = mail.send(case, "new_case", NOW)
    second = mail.send(case, "reminder", NOW + timedelta(hours=1), extra={"last": False})
    rows = store.effects()
    assert [r["payload"]["template"] for r in rows] == ["new_case", "reminder"]
    assert rows[0]["payload"]["to"] == [SELLER]
    reply_msg = _parsed(rows[1]["payload"]["raw"])
    assert reply_msg["In-Reply-To"] == first, "later mails thread to the case's first one"
    assert second != first
    token = tokens.find_tokens([str(reply_msg["Reply-To"])], [])
    assert token and tokens.verify_token(settings.secret_key(), token[0], NOW).case_ref == \
        case["ref"]
    assert case["ref"] in str(reply_msg["Subject"])


def test_seller_mail_copies_the_backup_while_the_seller_is_away(
        settings: Settings, store: Store, clock: FixedClock) -> None:
    away = ((NOW - timedelta(days=1), NOW + timedelta(days=1)),)
    assert _seller_mail(settings, store, clock, away).recipients(with_backup=False) == \
        [SELLER, "associe@lumen-et-cie.fr"]
    assert _seller_mail(settings, store, clock).recipients(with_backup=False) == [SELLER]


def test_a_held_notice_is_not_rendered_until_released(
        settings: Settings, store: Store, clock: FixedClock) -> None:
    mail = _seller_mail(settings, store, clock)
    assert mail.send(_return_case(store), "new_case", NOW, hold=True) == ""
    (row,) = store.effects()
    assert row["status"] == "held" and "raw" not in row["payload"]


# ---------------------------------------------------------------------------- Reminders
def test_reminders_schedule_then_send_one_mail_per_case(
        settings: Settings, store: Store, clock: FixedClock) -> None:
    mode = IntakeMode()
    reminders = Reminders(settings, store, clock, None, _seller_mail(settings, store, clock),
                          mode)
    case = _return_case(store, hours_left=40)
    reminders.schedule(case, NOW)
    rows = store.reminders(case["id"])
    deadline = parse_iso(case["deadline"])
    assert rows[-1]["kind"] == "deadline" and parse_iso(rows[-1]["due_at"]) == deadline
    assert all(NOW <= parse_iso(r["due_at"]) <= deadline for r in rows)  # type: ignore[operator]
    clock.set(deadline - timedelta(minutes=1))  # type: ignore[operator]
    assert reminders.send_due() == 1, "every due row of a case makes one mail"
    assert [e["payload"]["template"] for e in store.effects()] == ["reminder"]
    assert reminders.send_due() == 0


def test_reminders_are_moved_out_of_quiet_hours(settings: Settings, store: Store,
                                               clock: FixedClock) -> None:
    """Moved to the start of the quiet period (announced before the night), never inside."""
    quiet = QuietHours(time(22, 0), time(7, 0))
    mail = _seller_mail(settings, store, clock)

    def local_times(hours: QuietHours | None) -> list[time]:
        case = _return_case(store, hours_left=47)
        Reminders(settings, store, clock, hours, mail, IntakeMode()).schedule(case, NOW)
        return [parse_iso(r["due_at"]).astimezone(PARIS).time()  # type: ignore[union-attr]
                for r in store.reminders(case["id"]) if r["kind"] == "reminder"]

    loud = local_times(None)
    assert any(quiet.contains(t) and t != quiet.start for t in loud), \
        "the case must have a reminder at night for this test to mean something"
    assert all(t == quiet.start or not quiet.contains(t) for t in local_times(quiet))


def test_a_long_downtime_gives_one_catch_up_summary(
        settings: Settings, store: Store, clock: FixedClock) -> None:
    mode = IntakeMode(catch_up_threshold=2)
    reminders = Reminders(settings, store, clock, None, _seller_mail(settings, store, clock),
                          mode)
    for _ in range(3):
        reminders.schedule(_return_case(store, hours_left=10), NOW)
    clock.set(NOW + timedelta(hours=9))
    assert reminders.send_due() == 1
    assert [e["payload"]["template"] for e in store.effects()] == ["catch_up_reminders"]


# ---------------------------------------------------------------------------- SellerSteps
def test_a_seller_step_moves_the_case_and_starts_the_next_clock(
        settings: Settings, store: Store, clock: FixedClock) -> None:
    reminders = Reminders(settings, store, clock, None, _seller_mail(settings, store, clock),
                          IntakeMode())
    steps = SellerSteps(settings, store, reminders)
    case = _return_case(store, state="return_authorized")
    results: list[dict[str, Any]] = []
    assert steps.apply(case, "received", "received", NOW, results) == "ok"
    stored = store.case(case["id"])
    assert stored is not None and stored["state"] == results[0]["state"] != "return_authorized"
    assert parse_iso(stored["deadline"]) > NOW  # type: ignore[operator]
    assert any(r["status"] == "pending" for r in store.reminders(case["id"]))
    refused: list[dict[str, Any]] = []
    assert steps.apply(stored, "received", "received", NOW, refused) == "error"
    assert refused[0]["text"] == "not_pending"


# ---------------------------------------------------------------------------- ActionLinks
def _links(settings: Settings, store: Store, clock: FixedClock) -> ActionLinks:
    mail = _seller_mail(settings, store, clock)
    reminders = Reminders(settings, store, clock, None, mail, IntakeMode())
    return ActionLinks(store, mail, SellerSteps(settings, store, reminders))


def test_a_link_is_queued_once_and_its_outcome_moves_the_case(
        settings: Settings, store: Store, clock: FixedClock) -> None:
    flow = _links(settings, store, clock)
    case = _return_case(store)
    for _ in range(2):
        flow.queue(case, LinkRole.AUTHORIZE, NOW, on_success="authorized", reply=None,
                   source="auto")
    (effect,) = store.effects()
    assert effect["kind"] == "http" and effect["payload"]["url"].endswith("authorize?id=1")
    flow.finished(effect, True, {"status": 200, "final_url": effect["payload"]["url"]}, NOW)
    stored = store.case(case["id"])
    assert stored is not None and stored["state"] == "return_authorized"
    assert [e["payload"].get("template") for e in store.effects()][-1] == "auto_action"


def test_a_link_without_url_is_not_queued(settings: Settings, store: Store,
                                          clock: FixedClock) -> None:
    _links(settings, store, clock).queue(_return_case(store, links_={}), LinkRole.AUTHORIZE,
                                         NOW, on_success="authorized", reply=None,
                                         source="auto")
    assert store.effects() == []


# ---------------------------------------------------------------------------- SellerCommands
def _commands(settings: Settings, store: Store, clock: FixedClock) -> SellerCommands:
    mail = _seller_mail(settings, store, clock)
    renderer = Renderer(settings.templates_dir)
    reminders = Reminders(settings, store, clock, None, mail, IntakeMode())
    return SellerCommands(
        settings, store, settings.secret_key(), answers=Answers(settings, store, renderer, mail),
        shipments=Shipments(settings, store, clock, renderer, settings.secret_key(), mail,
                            IntakeMode()),
        steps=SellerSteps(settings, store, reminders))


def _command(name: str, *args: str, text: str = "") -> Command:
    return Command(name=name, args=tuple(args), text=text)


def test_authorize_returns_the_link_to_request_once(settings: Settings, store: Store,
                                                    clock: FixedClock) -> None:
    commands = _commands(settings, store, clock)
    case = _return_case(store)
    results: list[dict[str, Any]] = []
    assert commands.run(case, _command("authorize"), NOW, results) == LinkRole.AUTHORIZE
    assert results == []
    no_link = _return_case(store, links_={})
    assert commands.run(no_link, _command("authorize"), NOW, results) is None
    assert results[-1] == {"command": "authorize", "ok": False, "text": "no_link",
                           "ref": no_link["ref"]}


def test_a_large_refund_waits_for_its_code(settings: Settings, store: Store,
                                           clock: FixedClock) -> None:
    commands = _commands(settings, store, clock)
    case = _return_case(store)
    results: list[dict[str, Any]] = []
    big = str(settings.policy.confirm_refunds_above + 100)
    commands.run(case, _command("refund", big), NOW, results, source="<r1@x>")
    assert results[0]["text"] == "confirm_needed"
    code = results[0]["code"]
    commands.run(case, _command("confirm", "ZZZZZZ"), NOW, results)
    assert results[1]["text"] == "bad_code"
    commands.run(case, _command("confirm", code.lower()), NOW, results)
    assert results[2]["text"] == "refund_click" and results[2]["amount"] == big
    assert "171-1234567-7654321" in results[2]["url"]


def test_snooze_never_passes_the_deadline(settings: Settings, store: Store,
                                          clock: FixedClock) -> None:
    commands = _commands(settings, store, clock)
    case = _return_case(store, hours_left=2)
    results: list[dict[str, Any]] = []
    commands.run(case, _command("snooze", str(24 * 3600)), NOW, results)
    assert results[0]["until"] == parse_iso(case["deadline"]) - timedelta(minutes=30)  # type: ignore[operator]


def test_a_command_without_a_case_says_so(settings: Settings, store: Store,
                                          clock: FixedClock) -> None:
    results: list[dict[str, Any]] = []
    _commands(settings, store, clock).run(None, _command("done"), NOW, results)
    assert results == [{"command": "done", "ok": False, "text": "no_case"}]


# ---------------------------------------------------------------------------- Outbox
class _Recorder:
    """The outbox's completion callbacks, recording what it reports (plain functions: the
    outbox calls them inside its own transaction)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def completions(self) -> Completions:
        return Completions(
            link_finished=lambda eff, ok, detail, now: self.calls.append(("link", ok)),
            buyer_mail_sent=lambda eff, now: self.calls.append(("sent", eff["id"])),
            buyer_mail_failed=lambda eff, error, now: self.calls.append(("failed", error)))


def _outbox(settings: Settings, store: Store, clock: FixedClock, out: Path,
            recorder: _Recorder) -> Outbox:
    return Outbox(settings, store, clock,
                  smtp_target=mailer.SmtpTarget("127.0.0.1", 9, "none", None, None, 5),
                  link_policy=links.LinkPolicy(allowed_hosts=tuple(settings.links.allowed_hosts),
                                               timeout=5),
                  seller_mail=_seller_mail(settings, store, clock),
                  completions=recorder.completions(), dry_run_dir=str(out))


def test_the_outbox_sends_each_mail_once_and_reports_links(
        settings: Settings, store: Store, clock: FixedClock, tmp_path: Path) -> None:
    recorder = _Recorder()
    outbox = _outbox(settings, store, clock, tmp_path, recorder)
    case = _return_case(store)
    _seller_mail(settings, store, clock).send(case, "new_case", NOW)
    store.enqueue(kind="http", effect_key="link:x", now=NOW, case_id=case["id"],
                  payload={"url": case["data"]["links"]["authorize"], "role": "authorize",
                           "on_success": "authorized", "reply": None})
    store.enqueue(kind="http", effect_key="link:evil", now=NOW, case_id=case["id"],
                  payload={"url": "https://sellercentral.amazon.fr.evil.example/x",
                           "role": "authorize", "on_success": "authorized", "reply": None})
    outbox.execute()
    assert len(list(tmp_path.glob("*.eml"))) == 1
    assert sorted(recorder.calls) == [("link", False), ("link", True)]
    statuses = {e["effect_key"]: e["status"] for e in store.effects()}
    assert statuses["link:evil"] == "failed"
    assert outbox.execute() == 0 and len(list(tmp_path.glob("*.eml"))) == 1


def test_a_link_in_flight_at_start_is_never_repeated(
        settings: Settings, store: Store, clock: FixedClock, tmp_path: Path) -> None:
    recorder = _Recorder()
    case = _return_case(store)
    row = store.enqueue(kind="http", effect_key="link:y", now=NOW, case_id=case["id"],
                        payload={"url": case["data"]["links"]["authorize"],
                                 "role": "authorize", "on_success": "authorized",
                                 "reply": None})
    assert row is not None
    store.mark_effect(row, "inflight", NOW)
    outbox = _outbox(settings, store, clock, tmp_path, recorder)
    assert outbox.recover_inflight() == 1
    statuses = {e["effect_key"]: e["status"] for e in store.effects()}
    assert statuses["link:y"] == "uncertain"
    assert any(k.startswith("uncertain:") for k in statuses)
    outbox.execute()
    assert recorder.calls == [], "the uncertain request is not made again"


# ---------------------------------------------------------------------------- Cases
def _message_row(store: Store, message_id: str) -> int:
    return store.record_message(source="test", account="local", folder="-", uidvalidity=0,
                                uid=None, message_id=message_id, body_hash=message_id,
                                kind="return_request", subject="", processed_at=iso(NOW),
                                status="processed", reason=None)


def _cases(settings: Settings, store: Store, clock: FixedClock, mode: IntakeMode) -> Cases:
    mail = _seller_mail(settings, store, clock)
    renderer = Renderer(settings.templates_dir)
    reminders = Reminders(settings, store, clock, None, mail, mode)
    steps = SellerSteps(settings, store, reminders)
    return Cases(settings, store, clock, seller_policy(settings), mode, seller_mail=mail,
                 reminders=reminders, answers=Answers(settings, store, renderer, mail),
                 shipments=Shipments(settings, store, clock, renderer, settings.secret_key(),
                                     mail, mode),
                 links=ActionLinks(store, mail, steps))


def test_a_return_request_opens_one_case_with_its_notice_and_reminders(
        settings: Settings, store: Store) -> None:
    notice = parse_message(RETURN_02)
    clock = FixedClock(notice.event_time + timedelta(minutes=1))  # type: ignore[operator]
    cases = _cases(settings, store, clock, IntakeMode())
    assert cases.apply_notice(notice, _message_row(store, "<a>"), clock.now()) == "case"
    (case,) = store.cases_where("1 = 1", [])
    assert (case["kind"], case["state"], case["order_id"]) == \
        ("return", "return_requested", notice.order_id)
    assert [e["payload"]["template"] for e in store.effects()] == ["new_case"]
    assert any(r["kind"] == "deadline" for r in store.reminders(case["id"]))
    # The same notice again (a re-sent mail) matches the case: no second case.
    cases.apply_notice(notice, _message_row(store, "<b>"), clock.now())
    assert len(store.cases_where("1 = 1", [])) == 1


def test_history_read_at_first_sync_mails_nothing_about_the_past(
        settings: Settings, store: Store) -> None:
    notice = parse_message(RETURN_02)
    clock = FixedClock(notice.event_time + timedelta(days=30))  # type: ignore[operator]
    cases = _cases(settings, store, clock, IntakeMode(backfill=True))
    cases.apply_notice(notice, _message_row(store, "<a>"), clock.now())
    assert store.effects() == []
    (case,) = store.cases_where("1 = 1", [])
    assert "backfill" in [e["kind"] for e in store.events(case["id"])]


def test_held_notices_become_one_summary_past_the_threshold(
        settings: Settings, store: Store, clock: FixedClock) -> None:
    mode = IntakeMode(hold_notices=True, catch_up_threshold=1)
    cases = _cases(settings, store, clock, mode)
    mail = cases.seller_mail
    for _ in range(2):
        mail.send(_return_case(store), "new_case", NOW, hold=True)
    assert cases.flush_notices() == 1
    assert [e["payload"].get("template") for e in store.effects(("pending",))] == ["catch_up"]


# ---------------------------------------------------------------------------- Replies
def _replies(settings: Settings, store: Store, clock: FixedClock) -> Replies:
    mail = _seller_mail(settings, store, clock)
    reminders = Reminders(settings, store, clock, None, mail, IntakeMode())
    links_ = ActionLinks(store, mail, SellerSteps(settings, store, reminders))
    return Replies(settings, store, settings.secret_key(), seller_mail=mail,
                   commands=_commands(settings, store, clock), links=links_)


def _reply(settings: Settings, case: dict[str, Any], sender: str, *commands: Command
           ) -> Notice:
    token = tokens.make_token(settings.secret_key(), case["ref"], NOW + timedelta(days=5))
    return Notice(kind=Kind.SELLER_COMMAND, message_id="<reply-1@lumen-et-cie.fr>",
                  from_addr=sender, to_addrs=(tokens.reply_address(BOT, token),),
                  commands=list(commands))


def test_a_reply_from_the_seller_runs_its_commands_and_is_answered_once(
        settings: Settings, store: Store, clock: FixedClock) -> None:
    case = _return_case(store)
    replies = _replies(settings, store, clock)
    notice = _reply(settings, case, SELLER, _command("done"))
    assert replies.handle(notice, _message_row(store, "<r>"), NOW) == "commands"
    stored = store.case(case["id"])
    assert stored is not None and stored["state"] != "return_requested"
    (answer,) = store.effects()
    assert answer["payload"]["template"] == "command_result"
    assert _parsed(answer["payload"]["raw"])["In-Reply-To"] == "<reply-1@lumen-et-cie.fr>"


def test_a_reply_with_authorize_waits_for_the_link_before_answering(
        settings: Settings, store: Store, clock: FixedClock) -> None:
    case = _return_case(store)
    notice = _reply(settings, case, SELLER, _command("authorize"))
    _replies(settings, store, clock).handle(notice, _message_row(store, "<r>"), NOW)
    (effect,) = store.effects()
    assert effect["kind"] == "http" and effect["payload"]["reply"]["to"] == [SELLER]


def test_a_forged_sender_is_refused_and_never_answered(
        settings: Settings, store: Store, clock: FixedClock) -> None:
    case = _return_case(store)
    notice = _reply(settings, case, "vendeur@lumen-et-cie.fr.example", _command("done"))
    row = _message_row(store, "<r>")
    assert _replies(settings, store, clock).handle(notice, row, NOW) == "refused-sender"
    assert store.effects() == []
    assert store.case(case["id"])["state"] == "return_requested"  # type: ignore[index]


# ---------------------------------------------------------------------------- Digests
def test_the_digest_is_queued_once_a_day_with_its_numbering(
        store: Store, tmp_path: Path) -> None:
    settings = _settings(digest={"enabled": True, "time": "08:00"})
    clock = FixedClock(NOW)
    mail = _seller_mail(settings, store, clock)
    digests = Digests(settings, store, clock, Renderer(settings.templates_dir), mail,
                      mailer.SmtpTarget("127.0.0.1", 9, "none"), dry_run_dir=str(tmp_path))
    case = _return_case(store)
    assert digests.due_at() is not None and digests.due_at() <= NOW + timedelta(days=1)  # type: ignore[operator]
    assert digests.send() is True
    assert digests.send() is False, "one digest per local day"
    (row,) = store.effects()
    assert row["payload"]["template"] == "digest"
    assert store.digest_numbering([row["message_id"]]) == {1: case["ref"]}


# ---------------------------------------------------------------------------- Shipments
def test_shipped_records_a_valid_tracking_number_and_refuses_a_bad_one(
        settings: Settings, store: Store, clock: FixedClock) -> None:
    shipments = Shipments(settings, store, clock, Renderer(settings.templates_dir),
                          settings.secret_key(), _seller_mail(settings, store, clock),
                          IntakeMode())
    order = "402-1111111-2222222"
    results: list[dict[str, Any]] = []
    shipments.command(_command("shipped", order, text="1Z999AA10123456784"), NOW, results,
                      "<r>")
    shipments.command(_command("shipped", order, text="not-a-number"), NOW, results, "<r>")
    assert [r["text"] for r in results] == ["ship_recorded", "ship_refused"]
    stored = store.order(order)
    assert stored is not None and stored["data"]["tracking"] == "1Z999AA10123456784"
