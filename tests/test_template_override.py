"""A seller's own templates (config `templates_dir`) are searched before the shipped set.

`<dir>/<name>.txt.j2` replaces a message in every language, `<dir>/<language>/<name>.txt.j2` in
that language only (the layout the shipped templates had before they became one set, so a
seller's existing overrides keep working, even those importing `fr/_macros.j2`).
"""

from __future__ import annotations

from pathlib import Path

from bot.edges.render import Renderer
from tests.test_templates import _cases, _context


def test_an_override_for_every_language_and_one_for_a_language(tmp_path: Path) -> None:
    (tmp_path / "intake_down.subject.j2").write_text("[{{ tag }}] {{ _('Mailbox down') }}")
    (tmp_path / "fr").mkdir()
    (tmp_path / "fr" / "intake_down.subject.j2").write_text("[{{ tag }}] Boîte muette")
    renderer = Renderer(tmp_path)
    ctx = _context("en", None, minutes=5, mailbox="m@example.net", reason="x")
    assert renderer.render_parts("intake_down", "en", ctx)[0] == "[SB] Mailbox down"
    assert renderer.render_parts("intake_down", "de", ctx)[0] == "[SB] Mailbox down"
    assert renderer.render_parts("intake_down", "fr", ctx)[0] == "[SB] Boîte muette"
    # the rest of the message is still the shipped one, in the language asked for
    assert renderer.render_parts("intake_down", "fr", ctx)[1].startswith("Bonjour,")


def test_an_old_per_language_override_importing_the_shipped_macros(tmp_path: Path) -> None:
    (tmp_path / "fr").mkdir()
    (tmp_path / "fr" / "info.subject.j2").write_text(
        '{% import "fr/_macros.j2" as m %}[{{ tag }}] Pour info : {{ m.kind_label(case) }}')
    renderer = Renderer(tmp_path)
    ctx = _context("fr", _cases()["return"])
    assert renderer.render_parts("info", "fr", ctx)[0] == "[SB] Pour info : Demande de retour"
    assert renderer.render_parts("info", "en", ctx)[0].startswith("[SB] For information: Return request")
