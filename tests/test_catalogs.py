"""The translation catalogs: every message of the templates translated in every shipped language.

Messages are extracted from the one template set the way pybabel does (jinja2.ext.babel_extract
with Babel's default keywords: _, gettext, ngettext, pgettext, npgettext); each language's
templates/locale/<lang>/LC_MESSAGES/sellerbot.po must translate every one of them, with no fuzzy
entry and no left-over entry, and keep each message's placeholders.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

from bot.edges.render import LOCALES, catalog_path, shipped_templates_dir

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
Key = tuple[str | None, str]


def _extracted() -> dict[Key, tuple[str, ...]]:
    """(context, msgid) -> the msgid and, for a plural, its plural form, from every template."""
    found: dict[Key, tuple[str, ...]] = {}
    options = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
    for path in sorted(shipped_templates_dir().glob("*.j2")):
        with path.open("rb") as fp:
            for _line, message, _comments, context in extract(
                    babel_extract, fp, keywords=DEFAULT_KEYWORDS, options=options):
                forms = message if isinstance(message, tuple) else (message,)
                found[(context, forms[0])] = forms
    return found


EXTRACTED = _extracted()


def _catalog(lang: str) -> Catalog:
    with catalog_path(lang).open("rb") as fp:
        return read_po(fp, locale=lang)


def _entries(catalog: Catalog) -> Iterator[tuple[Key, tuple[str, ...], tuple[str, ...]]]:
    for message in catalog:
        if not message.id:
            continue  # the header
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        yield (message.context, ids[0]), ids, strings


def test_the_templates_have_messages_and_every_language_a_catalog() -> None:
    assert len(EXTRACTED) > 400
    shipped = {p.name for p in (shipped_templates_dir() / "locale").iterdir() if p.is_dir()}
    assert shipped == set(LOCALES)


@pytest.mark.parametrize("lang", LOCALES)
def test_every_message_is_translated(lang: str) -> None:
    catalog = _catalog(lang)
    entries = {key: (ids, strings) for key, ids, strings in _entries(catalog)}
    missing = [key for key in EXTRACTED if key not in entries]
    assert not missing, f"{lang}: no translation for {missing[:5]}"
    unused = [key for key in entries if key not in EXTRACTED]
    assert not unused, f"{lang}: catalog entries no template uses: {unused[:5]}"
    for key, forms in EXTRACTED.items():
        ids, strings = entries[key]
        assert ids == forms, key  # same singular and plural
        assert all(s for s in strings), f"{lang}: empty translation of {key}"
        if len(forms) == 2:
            assert len(strings) == catalog.num_plurals, key
    assert not [m.id for m in catalog if m.fuzzy and m.id], f"{lang}: fuzzy entries"
    assert catalog.plural_forms == get_plural(lang).plural_forms


class _Anything(dict):
    def __missing__(self, key: str) -> int:
        return 1


@pytest.mark.parametrize("lang", LOCALES)
def test_translations_keep_the_placeholders(lang: str) -> None:
    """A translation names the same %(name)s as its message (a plural's singular may leave out
    the count: 'un'altra pratica'), and is a valid format string: newstyle gettext formats
    every message, so a lone % would fail at rendering."""
    for key, ids, strings in _entries(_catalog(lang)):
        wanted = set(PLACEHOLDER.findall(ids[0])) | set(PLACEHOLDER.findall(ids[-1]))
        for n, text in enumerate(strings):
            got = set(PLACEHOLDER.findall(text))
            if len(ids) == 2 and n == 0:
                assert got <= wanted and wanted - got <= {"num"}, (lang, key, text)
            else:
                assert got == wanted, (lang, key, text)
            text % _Anything()  # raises on a stray %


def test_catalogs_are_where_a_wheel_installs_them() -> None:
    """pyproject ships templates/*.j2 and each catalog under share/sellerbot/templates."""
    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    assert '"share/sellerbot/templates" = ["templates/*.j2"]' in pyproject
    for lang in LOCALES:
        assert (f'"share/sellerbot/templates/locale/{lang}/LC_MESSAGES" = '
                f'["templates/locale/{lang}/LC_MESSAGES/sellerbot.po"]') in pyproject


def test_babel_is_wrapped_by_the_render_edge() -> None:
    """Dates, numbers and catalogs go through bot.edges.render, nowhere else."""
    bot = Path(__file__).resolve().parent.parent / "bot"
    users = {str(p.relative_to(bot)) for p in bot.rglob("*.py")
             if re.search(r"^\s*(?:import babel|from babel)", p.read_text(), re.M)}
    assert users == {"edges/render.py"}
