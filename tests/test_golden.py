"""Every message renders byte for byte as its golden file (tests/golden/make_golden.py).

The goldens were generated from the per-locale templates before they became one set with
translation catalogs: a difference here is a word the seller or the buyer would read changed.
"""

from __future__ import annotations

import pytest

from bot.edges.render import LOCALES, Renderer
from tests.golden.make_golden import golden_path, long_dates, render, template_names

RENDERER = Renderer()
NAMES = template_names(RENDERER)


def test_every_golden_has_its_template() -> None:
    for lang in LOCALES:
        on_disk = {p.name.removesuffix(".golden") for p in golden_path(lang, "x").parent.iterdir()
                   if p.suffix == ".golden"}
        assert on_disk == {*NAMES, "long_date"}, lang


@pytest.mark.parametrize("lang", LOCALES)
@pytest.mark.parametrize("name", NAMES)
def test_rendering_matches_golden(lang: str, name: str) -> None:
    expected = golden_path(lang, name).read_text(encoding="utf-8")
    got = render(RENDERER, name, lang)
    if got != expected:  # the first differing line, not a 100 kB diff
        for n, (a, b) in enumerate(zip(got.splitlines(), expected.splitlines()), start=1):
            assert a == b, f"{lang}/{name}.golden line {n}"
    assert got == expected


@pytest.mark.parametrize("lang", LOCALES)
def test_long_date_matches_golden(lang: str) -> None:
    assert long_dates(lang) == golden_path(lang, "long_date").read_text(encoding="utf-8")


def test_an_unknown_language_renders_in_english() -> None:
    for name in ("new_case", "buyer_answer", "ship_list"):
        assert render(RENDERER, name, "pt").replace('lang="pt"', 'lang="en"') \
            == golden_path("en", name).read_text(encoding="utf-8"), name
