"""Jinja environments over templates/ -> EmailMessage (text + HTML parts).

One template set, `<name>.subject.j2`, `<name>.txt.j2`, `<name>.html.j2`, whose words are
gettext messages (jinja2.ext.i18n); each language's translations are in
templates/locale/<lang>/LC_MESSAGES/sellerbot.po, and Babel writes its dates and numbers. HTML
is autoescaped; StrictUndefined turns a missing variable into an error instead of a blank.
A seller's own templates directory (config) is searched first, then the shipped one.
"""

from __future__ import annotations

import email.policy
import functools
import io
import re
import sys
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import babel.dates
import babel.numbers
import babel.support
import jinja2
import jinja2.visitor
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import nodes
from markupsafe import Markup

LOCALES = ("fr", "en", "de", "it", "es")
DOMAIN = "sellerbot"
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


#: The order and the word before the time are ours; day and month names are CLDR's (Babel).
_LONG_DATE = {
    "fr": "{day} {d} {month} {y} à {hm}",
    "en": "{day} {d} {month} {y} at {hm}",
    "de": "{day} {d}. {month} {y} um {hm}",
    "it": "{day} {d} {month} {y} alle {hm}",
    "es": "{day} {d} {month} {y} a las {hm}",
}


@functools.cache
def _day_month_names(lang: str) -> tuple[dict[int, str], dict[int, str]]:
    """Weekdays (Monday = 0) and months (January = 1), wide, in `lang` (format context)."""
    return (dict(babel.dates.get_day_names("wide", locale=lang)),
            dict(babel.dates.get_month_names("wide", locale=lang)))


def long_date(value: datetime | None, lang: str = "fr", tz: str = "Europe/Paris") -> str:
    """'lundi 23 novembre 2026 à 10:14' in the seller's language and zone."""
    if value is None:
        return "—"
    if lang not in _LONG_DATE:
        lang = "en"
    local = value.astimezone(ZoneInfo(tz))
    days, months = _day_month_names(lang)
    return _LONG_DATE[lang].format(day=days[local.weekday()], d=local.day,
                                   month=months[local.month], y=local.year,
                                   hm=local.strftime("%H:%M"))


def money(amount: Any, locale: str) -> str:
    """'19,90 EUR': two decimals rounded as %.2f rounds them, the locale's decimal sign."""
    value = Decimal("%.2f" % amount["value"])
    return f"{babel.numbers.format_decimal(value, '0.00', locale=locale)} {amount['currency']}"


def number(value: float, fmt: str, locale: str) -> str:
    """A printf-formatted figure (a percentage) with the locale's decimal sign."""
    return (fmt % value).replace(".", babel.numbers.get_decimal_symbol(locale))


def catalog_path(locale: str) -> Path:
    """templates/locale/<lang>/LC_MESSAGES/sellerbot.po, next to the shipped templates."""
    return shipped_templates_dir() / "locale" / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_translations(locale: str) -> babel.support.Translations:
    """The locale's .po, compiled to .mo in memory: the source tree, an editable install and a
    wheel all ship the same text file, and nothing needs a build step."""
    with catalog_path(locale).open("rb") as fp:
        catalog = read_po(fp, locale=locale, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return babel.support.Translations(compiled, domain=DOMAIN)


class _TranslateAtCompile(jinja2.visitor.NodeTransformer):
    """_("…") and pgettext("ctx", "…") with constant messages become their translation in the
    compiled template: the same text newstyle gettext gives at each render (Markup in HTML,
    then % with the named values), without a gettext call per message per render."""

    def __init__(self, translations: babel.support.Translations) -> None:
        self.translations = translations
        self.autoescape = False  # of the template being compiled

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        node = self.generic_visit(node)
        name = node.node.name if isinstance(node.node, nodes.Name) else None
        texts = [a.value for a in node.args if isinstance(a, nodes.Const)]
        if (name not in ("_", "gettext", "pgettext") or node.dyn_args or node.dyn_kwargs
                or len(texts) != len(node.args) or not all(isinstance(t, str) for t in texts)):
            return node
        if name == "pgettext" and len(texts) == 2:
            text = self.translations.pgettext(*texts)
        elif name != "pgettext" and len(texts) == 1:
            text = self.translations.gettext(texts[0])
        else:
            return node
        if not node.kwargs:  # nothing to format: the final text, as template data
            text = text % {}
            return nodes.Const(Markup(text) if self.autoescape else text, lineno=node.lineno)
        message = nodes.Const(Markup(text) if self.autoescape else text, lineno=node.lineno)
        values = nodes.Dict([nodes.Pair(nodes.Const(k.key), k.value) for k in node.kwargs],
                            lineno=node.lineno)
        return nodes.Mod(message, values, lineno=node.lineno)


class _CatalogEnvironment(jinja2.Environment):
    """An environment for one language whose templates compile with their words translated."""

    def __init__(self, translations: babel.support.Translations, **options: Any) -> None:
        super().__init__(extensions=["jinja2.ext.i18n"], **options)
        # newstyle: _("… %(ref)s", ref=case.ref) formats after translating and, in HTML,
        # escapes the values but not the translated words (they may hold markup). Still
        # installed for ngettext, and for a seller's template the compile step cannot see.
        self.install_gettext_translations(translations, newstyle=True)
        self._translate = _TranslateAtCompile(translations)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        escape = self.autoescape
        self._translate.autoescape = bool(escape(name) if callable(escape) else escape)
        return self._translate.visit(super()._parse(source, name, filename))


class Renderer:
    """One template set; a Jinja environment per language, with that language's catalog,
    built on first use and kept."""

    def __init__(self, extra_dir: str | Path | None = None) -> None:
        self.extra_dir = Path(extra_dir) if extra_dir else None
        self.shipped_dir = shipped_templates_dir()
        self._envs: dict[str, jinja2.Environment] = {}
        self._found: dict[tuple[str, str], jinja2.Template | None] = {}

    def _loader(self, locale: str) -> jinja2.BaseLoader:
        """The seller's `<dir>/<locale>/` then `<dir>/`, then the shipped set; `fr/_macros.j2`
        (the per-language layout a seller's own templates may still import) is the shipped
        `_macros.j2`."""
        shipped = jinja2.FileSystemLoader(str(self.shipped_dir))
        loaders: list[jinja2.BaseLoader] = []
        if self.extra_dir:
            loaders.append(jinja2.FileSystemLoader([str(self.extra_dir / locale),
                                                    str(self.extra_dir)]))
        loaders += [shipped, jinja2.PrefixLoader({loc: shipped for loc in LOCALES})]
        return jinja2.ChoiceLoader(loaders)

    def env_for(self, locale: str) -> jinja2.Environment:
        """The environment rendering in `locale` (English for a language not shipped)."""
        if locale not in LOCALES:
            locale = "en"
        env = self._envs.get(locale)
        if env is None:
            env = _CatalogEnvironment(
                load_translations(locale), loader=self._loader(locale),
                autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",),
                                                    default_for_string=False),
                undefined=jinja2.StrictUndefined,
                trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                # templates are read once per Renderer; SIGHUP builds a new one (no stat a render)
                auto_reload=False,
            )
            env.filters.update(
                short_dt=_fmt_dt, long_date=long_date,
                # a translated word used as a value (a label in a dict) is escaped like one
                plain=str,
                money=functools.partial(money, locale=locale),
                number=lambda value, fmt, _loc=locale: number(value, fmt, _loc))
            self._envs[locale] = env
        return env

    def template_names(self, locale: str) -> list[str]:
        names = {n.split(".", 1)[0] for n in self.env_for(locale).list_templates()
                 if "/" not in n and not n.startswith("_") and n.endswith(".j2")}
        return sorted(names)

    def _template(self, locale: str, filename: str) -> jinja2.Template | None:
        """The compiled template, or None; a miss is remembered too (most messages have no
        hand-written HTML, and a miss would walk every loader again on each render)."""
        key = (locale, filename)
        if key not in self._found:
            try:
                self._found[key] = self.env_for(locale).get_template(filename)
            except jinja2.TemplateNotFound:
                self._found[key] = None
        return self._found[key]

    def render_parts(self, name: str, locale: str, context: dict[str, Any]) -> tuple[str, str, str]:
        """(subject, text, html) for template `name`, falling back to English then French."""
        for loc in dict.fromkeys((locale, "en", "fr")):
            subject_t = self._template(loc, f"{name}.subject.j2")
            if subject_t is None:
                continue
            subject = header_safe(subject_t.render(**context), 250)
            text_t = self._template(loc, f"{name}.txt.j2")
            if text_t is None:
                raise jinja2.TemplateNotFound(f"{name}.txt.j2 ({loc})")
            # optional blocks leave blank runs
            text = _BLANK_RUNS.sub("\n\n", text_t.render(**context))
            html_t = self._template(loc, f"{name}.html.j2")
            if html_t is not None:
                html = html_t.render(**context)
            else:  # no hand-written HTML: the text, escaped, in the locale's layout
                layout = self._template(loc, "_layout.html.j2")
                assert layout is not None, "the shipped templates hold _layout.html.j2"
                html = layout.render(**context, body_text=text)
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
