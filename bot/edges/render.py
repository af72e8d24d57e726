"""Jinja environment over templates/ -> EmailMessage (text + HTML parts).

Templates are `<locale>/<name>.subject.j2`, `<name>.txt.j2`, `<name>.html.j2`. HTML is
autoescaped; StrictUndefined turns a missing variable into an error instead of a blank.
A seller's own templates directory (config) is searched first, then the shipped one.
"""

from __future__ import annotations

import email.policy
import re
import sys
from collections.abc import Iterable
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

LOCALES = ("fr", "en", "de", "it", "es")
_HEADER_UNSAFE = re.compile(r"[\r\n\x00-\x1f\x7f]+")
_BLANK_RUNS = re.compile(r"\n(?:[ \t]*\n){2,}")


def shipped_templates_dir() -> Path:
    """templates/ at the project root (source tree, editable install), else the copy a
    wheel installs under <prefix>/share/sellerbot/templates."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "templates", Path(sys.prefix) / "share/sellerbot/templates",
                      here / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("sellerbot templates directory not found")


#: Serialize without folding long headers: CPython (< 3.14, gh-144156) drops the space between
#: an ASCII word and an encoded-word at a fold, so a French subject would read "…6638150 –échéance".
#: RFC 5322 allows 998 characters per line.
WIRE_POLICY = email.policy.default.clone(max_line_length=998)


def wire(msg: EmailMessage) -> str:
    return msg.as_string(policy=WIRE_POLICY)


def header_safe(value: str, limit: int = 200) -> str:
    """Buyer-supplied text never reaches a header with a line break or control character."""
    return _HEADER_UNSAFE.sub(" ", value).strip()[:limit]


def _fmt_dt(value: datetime | None, tz: str = "Europe/Paris", fmt: str = "%d/%m %H:%M") -> str:
    if value is None:
        return "—"
    return value.astimezone(ZoneInfo(tz)).strftime(fmt)


_DAYS = {
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "de": ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"],
    "it": ["lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"],
    "es": ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
}
_MONTHS = {
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember"],
    "it": ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
           "settembre", "ottobre", "novembre", "dicembre"],
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"],
}


def long_date(value: datetime | None, lang: str = "fr", tz: str = "Europe/Paris") -> str:
    """'lundi 23 novembre 2026 à 10:14' in the seller's language and zone."""
    if value is None:
        return "—"
    local = value.astimezone(ZoneInfo(tz))
    day = _DAYS.get(lang, _DAYS["en"])[local.weekday()]
    month = _MONTHS.get(lang, _MONTHS["en"])[local.month - 1]
    hm = local.strftime("%H:%M")
    if lang == "en":
        return f"{day} {local.day} {month} {local.year} at {hm}"
    joiner = {"fr": "à", "de": "um", "it": "alle", "es": "a las"}.get(lang, "at")
    return f"{day} {local.day}{'.' if lang == 'de' else ''} {month} {local.year} {joiner} {hm}"


class Renderer:
    def __init__(self, extra_dir: str | Path | None = None) -> None:
        dirs = [str(extra_dir)] if extra_dir else []
        dirs.append(str(shipped_templates_dir()))
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(dirs),
            autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",),
                                                default_for_string=False),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        )
        self.env.filters["short_dt"] = _fmt_dt
        self.env.filters["long_date"] = long_date

    def template_names(self, locale: str) -> list[str]:
        names = {n.split("/", 1)[1].split(".", 1)[0]
                 for n in self.env.list_templates()
                 if n.startswith(f"{locale}/") and not n.split("/", 1)[1].startswith("_")}
        return sorted(names)

    def render_parts(self, name: str, locale: str, context: dict[str, Any]) -> tuple[str, str, str]:
        """(subject, text, html) for template `name`, falling back to English then French."""
        for loc in (locale, "en", "fr"):
            try:
                subject_t = self.env.get_template(f"{loc}/{name}.subject.j2")
            except jinja2.TemplateNotFound:
                continue
            subject = header_safe(subject_t.render(**context), 250)
            text = _BLANK_RUNS.sub("\n\n", self.env.get_template(f"{loc}/{name}.txt.j2")
                                   .render(**context))  # optional blocks leave blank runs
            try:
                html = self.env.get_template(f"{loc}/{name}.html.j2").render(**context)
            except jinja2.TemplateNotFound:
                # No hand-written HTML: the text, escaped, in the locale's layout.
                html = self.env.get_template(f"{loc}/_layout.html.j2").render(
                    **context, body_text=text)
            return subject, text, html
        raise jinja2.TemplateNotFound(f"{name} ({locale})")

    def email(self, name: str, locale: str, context: dict[str, Any], *, sender: Address,
              to: Iterable[str], message_id: str, date: datetime,
              reply_to: str | None = None, in_reply_to: str | None = None,
              references: Iterable[str] = (), extra_headers: dict[str, str] | None = None,
              ) -> EmailMessage:
        subject, text, html = self.render_parts(name, locale, context)
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = ", ".join(to)
        msg["Subject"] = subject
        msg["Date"] = format_datetime(date)
        msg["Message-ID"] = message_id
        if reply_to:
            msg["Reply-To"] = reply_to
        if in_reply_to:
            msg["In-Reply-To"] = in_reply_to
        refs = list(dict.fromkeys(r for r in references if r))  # each Message-ID once
        if refs:
            msg["References"] = " ".join(refs)
        # RFC 3834: automated mail, and ask Exchange not to auto-answer it.
        msg["Auto-Submitted"] = "auto-generated"
        msg["X-Auto-Response-Suppress"] = "All"
        msg["Content-Language"] = locale
        for key, value in (extra_headers or {}).items():
            msg[key] = header_safe(value)
        msg.set_content(text)
        msg.add_alternative(html, subtype="html")
        return msg
