"""The decoded view of one email that every family parser reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message

from .common import labelled_fields
from .facts import Facts, extract, field_pairs
from .links import RawLink, html_links, plain_links
from .mime import Bodies, html_parse


@dataclass
class Ctx:
    msg: Message
    subject: str
    from_name: str | None
    from_addr: str | None
    bodies: Bodies
    date: datetime | None
    default_tz: str
    forwarded: bool = False
    prefer_plain: bool = False
    _text: str | None = None
    _tree: object | None = None
    _fields: list[tuple[str, str]] | None = None
    _links: list[RawLink] | None = None
    extra: dict = field(default_factory=dict)
    _facts: dict[tuple[str, ...], Facts] = field(default_factory=dict)

    def _parse_html(self) -> None:
        self._text, self._tree = html_parse(self.bodies.html)

    @property
    def tree(self):  # noqa: ANN201 - selectolax tree or None
        if self._tree is None and self.bodies.html:
            text = self._text
            self._parse_html()
            if text is not None:
                self._text = text
        return self._tree

    @property
    def text(self) -> str:
        """HTML linearised when there is HTML (richer tables), else the plain part."""
        if self._text is None:
            if self.bodies.html and not (self.prefer_plain and self.bodies.plain):
                self._parse_html()
            else:
                self._text = self.bodies.plain
        return self._text or ""

    @property
    def fields(self) -> list[tuple[str, str]]:
        if self._fields is None:
            self._fields = labelled_fields(self.text)
        return self._fields

    @property
    def raw_links(self) -> list[RawLink]:
        if self._links is None:
            if self.bodies.html and not (self.prefer_plain and self.bodies.plain) and \
                    self.tree is not None:
                self._links = html_links(self.tree)
            else:
                self._links = plain_links(self.text)
        return self._links

    def use_plain(self) -> None:
        """Read the plain part from now on (text, label lines, links)."""
        self.prefer_plain = True
        self._text = self._fields = self._links = None
        self._facts.clear()

    def facts(self, want: tuple[str, ...], links: list[RawLink] | None = None) -> Facts:
        """Facts by meaning from the body sellerbot reads (HTML tree and its label lines, or
        the plain text) and the links."""
        got = self._facts.get(want)
        if got is None:
            texts: list[str] = []
            tree = None
            extra = None
            if self.bodies.html and not (self.prefer_plain and self.bodies.plain):
                # HTML: cells, rows and <dl> from the tree; its 'label : value' lines are
                # the ones `fields` already split (no second scan of the same text). A plain
                # alternative repeats the HTML one; when the HTML one is only marketing the
                # caller switched to the plain part (use_plain).
                tree = self.tree
                extra = field_pairs(self.fields)
            else:
                texts.append(self.bodies.plain if self.prefer_plain and self.bodies.plain
                             else self.text)
            got = extract(texts, tree, self.raw_links if links is None else links, want, extra)
            self._facts[want] = got
        return got
