"""Label/value pairs from HTML: two-cell rows, one-column label/value tables, <dt>/<dd>, and
header-row tables read as one record per row."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .lexicon import ITEM_FIELDS, label_fields
from .pairs import Pair

if TYPE_CHECKING:
    from selectolax.lexbor import LexborHTMLParser, LexborNode


def _node_text(node: LexborNode) -> str:
    return " ".join((node.text(separator=" ", strip=True) or "").split())


def _mem_id(node: LexborNode | None) -> int | None:
    return node.mem_id if node is not None else None


def html_pairs(tree: LexborHTMLParser | None) -> tuple[list[Pair], list[list[Pair]]]:
    """Two-cell rows and <dt>/<dd> as pairs; header-row tables as records (one per row)."""
    pairs: list[Pair] = []
    records: list[list[Pair]] = []
    if tree is None:
        return pairs, records
    root = tree.body or tree.root
    if root is None:
        return pairs, records
    pos = _row_pairs(root, pairs, records)
    _definition_pairs(root, pos, pairs)
    return pairs, records


def _one_cell(cell: LexborNode, pending: tuple[str, ...] | None, pos: float,
              pairs: list[Pair]) -> tuple[str, ...] | None:
    """A one-column table: a label row, then its value row (layout rows that hold nested
    tables are skipped without reading their text). Returns the label still waiting."""
    if sum(1 for _ in cell.iter()) > 2:
        return None  # a layout cell (blocks inside), not a one-word label or value
    text = _node_text(cell)
    if pending is not None and text and not label_fields(text):
        pairs.append(Pair(pending, text, pos))
        return None
    return label_fields(text) or None


def _row_pairs(root: LexborNode, pairs: list[Pair], records: list[list[Pair]]) -> float:
    """Every <tr> in document order: label/value rows to `pairs`, the rows under a header row
    (same parent, same width) to `records`. Returns the last position used."""
    pos = 0.0
    header: list[tuple[str, ...]] | None = None
    header_parent = None
    pending: tuple[str, ...] | None = None
    for tr in root.css("tr"):
        pos += 1
        cells = [c for c in tr.iter() if c.tag in ("td", "th")]
        if len(cells) == 1:
            pending = _one_cell(cells[0], pending, pos, pairs)
            continue
        pending = None
        if len(cells) > 12:
            continue
        in_records = header is not None and _mem_id(tr.parent) == header_parent and \
            len(cells) == len(header)
        if not in_records:
            # a label/value row or a header row starts with a label: read the first cell
            # only, so item rows and layout rows cost one short text each
            if sum(1 for _ in cells[0].iter()) > 2:
                continue  # a layout cell, not a label
            first = _node_text(cells[0])
            if not label_fields(first):
                continue
            texts = [first] + [_node_text(c) for c in cells[1:]]
        else:
            texts = [_node_text(c) for c in cells]
        if any(len(t) > 500 for t in texts):
            continue  # a layout cell holding the whole mail
        named = [label_fields(t) for t in texts] if not in_records else []
        if len(cells) >= 2 and sum(1 for x in named if x) >= max(2, len(cells) - 1) and \
                any(set(x) & set(ITEM_FIELDS) for x in named):
            header, header_parent = named, _mem_id(tr.parent)
            continue
        if in_records:
            rec = [Pair(h, t, pos) for h, t in zip(header, texts) if h and t]  # type: ignore[arg-type]
            if rec:
                records.append(rec)
            continue
        if len(cells) == 2 and named[0] and texts[1]:
            pairs.append(Pair(named[0], texts[1], pos))
    return pos


def _definition_pairs(root: LexborNode, pos: float, pairs: list[Pair]) -> None:
    """<dt> label, the next <dd> before another <dt> its value."""
    for dt in root.css("dt"):
        pos += 1
        dd = dt.next
        while dd is not None and dd.tag != "dd":
            if dd.tag == "dt":
                dd = None
                break
            dd = dd.next
        fl = label_fields(_node_text(dt))
        if fl and dd is not None:
            pairs.append(Pair(fl, _node_text(dd), pos))
