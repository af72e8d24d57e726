"""HTML bodies -> linear text (one line per block, ' | ' between cells) and the parsed tree,
within a bounded work budget (too large or too deep: TooComplex, never parsed)."""

from __future__ import annotations

import html as _html
import re
from itertools import accumulate

from selectolax.lexbor import LexborHTMLParser

_BLOCK = re.compile(
    r"<(?:br|/p|/div|/li|/tr|/h[1-6]|/table|/ul|/ol|/center|hr|/blockquote)\b[^>]*>|<(?:p|li|tr|h[1-6]|div|table|blockquote)\b",
    re.I)


def _ci(word: str) -> str:
    """`word` as case-sensitive classes matching exactly what re.I matches (incl. the Unicode
    folds i~\u0130/\u0131, k~\u212a, s~\u017f): lets the engine use its literal-prefix scan."""
    extra = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}
    return "".join(f"[{c}{c.upper()}{extra.get(c, '')}]" if c.isalpha() else c for c in word)


# Same matches as _BLOCK (same names, same spans, same case folding), grouped by first
# character and captured whole so `split` hands back [text, tag, text, tag, ...].
_BLOCK_SPLIT = re.compile(
    "(<(?:/(?:" + "|".join(map(_ci, ("p", "div", "li", "tr", "table", "ul", "ol", "center",
                                     "blockquote"))) + "|" + _ci("h") + r"[1-6])\b[^>]*>"
    "|(?:" + _ci("br") + "|" + _ci("hr") + r")\b[^>]*>"
    "|(?:" + "|".join(map(_ci, ("p", "li", "tr", "div", "table", "blockquote"))) + "|" +
    _ci("h") + r"[1-6])\b))")
_CELL = re.compile(r"</t[dh]\s*>", re.I)
_INLINE_WS = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")
# == \n{3,}, spelled so that the engine scans for the literal prefix (much faster)
_MULTINL = re.compile(r"\n\n\n+")
_SPACES = re.compile("   *")  # == " {2,}" with a literal prefix to scan for


# Bounded work per mail (issue 15): an HTML5 tree builder walks its stack of open elements
# for many start tags, so its time grows with size x nesting depth (200,000 nested <div>:
# minutes). Real notifications are under 200 KB and a few dozen levels deep; anything past
# these limits is not an Amazon notification and is quarantined as too_complex, unparsed.
HTML_MAX_CHARS = 1_000_000
HTML_MAX_DEPTH = 256


class TooComplex(ValueError):
    """This mail would cost more to parse than any genuine notification: not parsed."""


# Start and end tags that can nest. Void elements and those whose start tag implicitly
# closes the previous one (p, li, td, tr…) do not deepen the tree; comments, doctypes, and
# processing instructions are not tags.
_NESTING_TAG = re.compile(
    r"<(/?)(?!(?:p|li|td|th|tr|dt|dd|option|optgroup|tbody|thead|tfoot|colgroup|col|rp|rt|"
    r"br|img|hr|meta|link|input|area|base|embed|source|track|wbr|param)\b)[a-zA-Z]")


_STEP = {"": 1, "/": -1}


def _deeper(depth: int, step: int) -> int:
    return depth + step if depth + step > 0 else 0  # a stray end tag is ignored, as parsers do


def check_html_budget(html: str) -> None:
    """Raise TooComplex before the parser sees an HTML body too large or too deeply nested.
    Linear: one regex scan, and only when there are more tags than the depth limit."""
    if len(html) > HTML_MAX_CHARS:
        raise TooComplex(f"HTML body of {len(html):,} characters (limit {HTML_MAX_CHARS:,})")
    if html.count("<") <= HTML_MAX_DEPTH:
        return
    steps = list(map(_STEP.__getitem__, _NESTING_TAG.findall(html)))  # +1 open, -1 close
    prefix = list(accumulate(steps))  # C speed; the depth, while no end tag is stray
    depth = max(prefix, default=0)
    if depth <= HTML_MAX_DEPTH and min(prefix, default=0) < 0:
        depth = max(accumulate(steps, _deeper, initial=0))  # stray end tags: the exact way
    if depth > HTML_MAX_DEPTH:
        raise TooComplex(f"HTML nested {depth} levels deep (limit {HTML_MAX_DEPTH})")


def html_tree(html: str) -> LexborHTMLParser:
    check_html_budget(html)
    return LexborHTMLParser(html)


def mark_blocks(html: str) -> str:
    """A newline before every block tag (== _BLOCK.sub("\\n\\g<0>", html), without the
    per-match template expansion), ' | ' before every cell end."""
    parts = _BLOCK_SPLIT.split(html)
    if len(parts) > 1:
        it = iter(parts)
        head = next(it)
        html = "\n".join([head, *[tag + tail for tag, tail in zip(it, it)]])
    if "</t" in html:
        html = html.replace("</td>", " | </td>").replace("</th>", " | </th>")
    return html


def _inside(node, root_id: int) -> bool:  # noqa: ANN001 - selectolax node
    p = node.parent
    while p is not None:
        if p.mem_id == root_id:
            return True
        p = p.parent
    return False


def _has_style_or_script(tree: LexborHTMLParser, root) -> bool:  # noqa: ANN001
    """Any <style>/<script> under `root`? (the usual one sits in <head>: nothing to remove)."""
    rid = root.mem_id
    return any(_inside(n, rid) for n in tree.tags("style")) or \
        any(_inside(n, rid) for n in tree.tags("script"))


def html_parse(html: str) -> tuple[str, LexborHTMLParser]:
    """Parse once; return (linearised text: one line per block, ' | ' between cells, tree)."""
    check_html_budget(html)  # raises TooComplex: never hand the parser a quadratic input
    tree = LexborHTMLParser(mark_blocks(html))
    root = tree.body or tree.root
    if root is None:
        return "", tree
    if _has_style_or_script(tree, root):
        for node in root.css("style, script"):
            node.decompose()
    return normalize_text(root.text(separator="")), tree


def html_to_text(html: str) -> str:
    return html_parse(html)[0]


_NL_WS = re.compile(r" ?\n ?")
_ODD_WS = ("\t", "\f", "\v", "\u00a0", "\u200b")


def normalize_text(text: str) -> str:
    """Runs of [ \\t\\r\\f\\v\\u00a0\\u200b] -> one space, no space around newlines, at most
    one blank line, stripped (same result as the three-regex version, far fewer matches)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for c in _ODD_WS:
        if c in text:
            text = text.replace(c, " ")
    if "  " in text:
        text = _SPACES.sub(" ", text)
    if " " in text:
        text = "\n".join([line.strip(" ") for line in text.split("\n")])
    if "\n\n\n" in text:
        text = _MULTINL.sub("\n\n", text)
    return text.strip()


def unescape(text: str) -> str:
    return _html.unescape(text) if "&" in text else text
