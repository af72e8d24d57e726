"""The check of a buyer message: one named pass per rule, each masking what it has judged."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.guardrails.hosts import host_allowed, host_of, is_amazon_host
from bot.core.guardrails.patterns import (
    BARE_DOMAIN_RX, CONTACT_APP_REGEXES, EMAIL_RX, MARKETING_REGEXES, NUMBER_CUES,
    OBFUSCATED_EMAIL_RX, ORDER_ID_RX, PHONE_CUES, PHONE_REGEXES, REVIEW_REGEXES, RMA_RX, URL_RX,
)

#: Amazon's limit for one attachment to a buyer message. 10 MB counted in decimal bytes:
#: stricter than 10 MiB, so a file sellerbot accepts is never refused by Amazon.
MAX_ATTACHMENT_BYTES = 10_000_000


@dataclass(frozen=True, slots=True)
class Violation:
    code: str  # link | review | marketing | contact_email | contact_phone | contact_app | attachment
    message_fr: str
    message_en: str
    excerpt: str = ""  # the offending text (or attachment name), for the seller

    def message(self, lang: str) -> str:
        return self.message_fr if lang == "fr" else self.message_en


class _Findings:
    """The violations found so far, in the order the checks find them."""

    def __init__(self) -> None:
        self.violations: list[Violation] = []
        self._seen: set[tuple[str, str]] = set()
        self._taken: dict[str, list[tuple[int, int]]] = {}

    def add(self, code: str, fr: str, en: str, excerpt: str,
            span: tuple[int, int] | None = None) -> None:
        """One violation per rule and place: overlapping matches of a rule count once."""
        key = (code, excerpt.lower())
        if key in self._seen:
            return
        if span is not None:
            if any(span[0] < e and s < span[1] for s, e in self._taken.get(code, [])):
                return
            self._taken.setdefault(code, []).append(span)
        self._seen.add(key)
        self.violations.append(Violation(code, fr, en, excerpt))


def _mask(text: str, spans: Iterable[tuple[int, int]], char: str = " ") -> str:
    """`text` with the spans blanked out (line ends kept), so later checks do not see them."""
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            if chars[i] != "\n":
                chars[i] = char
    return "".join(chars)


def _short(value: str, limit: int = 60) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f}".replace(".0", "")


# ---------------------------------------------------------------- the checks, in order

def _check_links(text: str, allowed_hosts: tuple[str, ...], found: _Findings) -> str:
    """Links with a scheme or www. ("https://amazon.fr@evil.example" is a link); returns the
    text with every link masked."""
    spans: list[tuple[int, int]] = []
    for m in URL_RX.finditer(text):
        spans.append(m.span())
        url = m.group().rstrip(".,;:!?»")
        host = host_of(url)
        if not host or not host_allowed(host, allowed_hosts):
            found.add("link", f"lien hors d'Amazon interdit : {_short(url)}",
                      f"link outside Amazon not allowed: {_short(url)}", url)
    return _mask(text, spans)


def _check_emails(text: str, found: _Findings) -> str:
    """E-mail addresses, plain or disguised ("jean [at] monsite [dot] fr"); before bare
    domains, so "jean@monsite.fr" is one violation. Returns the text with them masked."""
    spans: list[tuple[int, int]] = []
    for m in EMAIL_RX.finditer(text):
        spans.append(m.span())
        domain = m.group().rsplit("@", 1)[1]
        if not is_amazon_host(domain):  # the relay alias …@marketplace.amazon.fr is fine
            found.add("contact_email",
                      f"adresse e-mail personnelle interdite : {m.group()}",
                      f"personal e-mail address not allowed: {m.group()}", m.group())
    for m in OBFUSCATED_EMAIL_RX.finditer(text):
        spans.append(m.span())
        found.add("contact_email", f"adresse e-mail (déguisée) interdite : {_short(m.group())}",
                  f"e-mail address (disguised) not allowed: {_short(m.group())}", m.group())
    return _mask(text, spans)


def _check_websites(text: str, allowed_hosts: tuple[str, ...], found: _Findings) -> str:
    """Domains written without scheme ("monsite.fr"); returns the text with them masked."""
    spans: list[tuple[int, int]] = []
    for m in BARE_DOMAIN_RX.finditer(text):
        host, tld = m.group(1), m.group(2)
        if not (tld.islower() or host.isupper()):
            continue  # "colis.De plus" is a missing space, not a German domain
        if not re.search(r"[A-Za-z]", host[: -len(tld)]):
            continue
        spans.append(m.span())
        if not host_allowed(host, allowed_hosts):
            found.add("link", f"adresse de site hors d'Amazon interdite : {_short(m.group())}",
                      f"website outside Amazon not allowed: {_short(m.group())}", m.group())
    return _mask(text, spans)


def _check_solicitation(text: str, found: _Findings) -> None:
    """Asking for a review or feedback, and marketing, in any language (buyers and sellers
    mix them)."""
    for _lang, rx in REVIEW_REGEXES:
        for m in rx.finditer(text):
            found.add("review",
                      f"demande d'avis ou d'évaluation interdite : « {_short(m.group())} »",
                      f"asking for a review or feedback is not allowed: \"{_short(m.group())}\"",
                      m.group(), m.span())
    for _lang, rx in MARKETING_REGEXES:
        for m in rx.finditer(text):
            found.add("marketing", f"message promotionnel interdit : « {_short(m.group())} »",
                      f"marketing is not allowed: \"{_short(m.group())}\"", m.group(), m.span())


def _check_contacts(text: str, found: _Findings) -> None:
    """Personal contact details: messaging apps and phone numbers."""
    for rx in CONTACT_APP_REGEXES:
        for m in rx.finditer(text):
            found.add("contact_app",
                      f"coordonnées hors Amazon interdites : « {_short(m.group())} »",
                      f"off-Amazon contact details not allowed: \"{_short(m.group())}\"",
                      m.group(), m.span())
    ids = [m.span() for rx in (ORDER_ID_RX, RMA_RX) for m in rx.finditer(text)]
    digits_only = _mask(text, ids)  # order ids and RMA numbers are not phone numbers
    for number in _phone_numbers(digits_only):
        found.add("contact_phone", f"numéro de téléphone interdit : {number}",
                  f"phone number not allowed: {number}", number)


def _check_attachments(attachments: Iterable[tuple[str, int]], found: _Findings) -> None:
    for name, size in attachments:
        if size > MAX_ATTACHMENT_BYTES:
            found.add("attachment",
                      f"pièce jointe trop lourde : {name} ({_mb(size)} Mo, 10 Mo au plus)",
                      f"attachment too large: {name} ({_mb(size)} MB, 10 MB at most)", name)


def check_buyer_message(text: str, *, attachments: Iterable[tuple[str, int]] = (),
                        allowed_hosts: tuple[str, ...] = ()) -> list[Violation]:
    """Violations of Amazon's buyer–seller messaging rules in `text`; [] when it may be sent.

    `attachments` are (file name, size in bytes). `allowed_hosts` adds hosts a link may point
    to besides Amazon's (e.g. a carrier's tracking site the seller configured); a host is
    allowed with its subdomains.
    """
    found = _Findings()
    rest = _check_links(text or "", allowed_hosts, found)
    rest = _check_emails(rest, found)
    rest = _check_websites(rest, allowed_hosts, found)
    _check_solicitation(rest, found)
    _check_contacts(rest, found)
    _check_attachments(attachments, found)
    return found.violations


def _phone_numbers(text: str) -> list[str]:
    """Phone numbers in `text` (order ids and RMA numbers already masked)."""
    found: list[tuple[int, int]] = []
    # A number right after a phone cue ("Tél. :", "call us at", "WhatsApp") is a phone
    # number whatever its shape, as long as it has enough digits.
    for m in re.finditer(r"\+?\d[\d\s.\-/()]{4,20}\d", text):
        if len(re.sub(r"\D", "", m.group())) >= 6 and PHONE_CUES.search(
                text[max(0, m.start() - 40):m.start()]):
            found.append(m.span())
    for rx in PHONE_REGEXES:
        for m in rx.finditer(text):
            digits = re.sub(r"\D", "", m.group())
            if not 9 <= len(digits) <= 15:
                continue
            before = text[max(0, m.start() - 40):m.start()]
            if NUMBER_CUES.search(before) and not PHONE_CUES.search(before):
                continue  # a tracking, order, invoice or RMA number
            if m.start() > 0 and (text[m.start() - 1].isalnum() or text[m.start() - 1] in "-_/"):
                continue  # tail of a longer token (a tracking number like 6A12345678901)
            end = m.end()
            if end < len(text) and (text[end].isalnum() or text[end] in "_"):
                continue
            found.append(m.span())
    # keep the longest non-overlapping matches, in text order
    found.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    result: list[str] = []
    last_end = -1
    for start, end in found:
        if start >= last_end:
            result.append(text[start:end].strip())
            last_end = end
    return result
