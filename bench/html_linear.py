"""Linearity of every HTML-handling function on nested input (issue 15).

For each function and each input shape, times it at size n and 2n (best of R runs) and
prints the ratio t(2n)/t(n); the target is <= 3 (linear is 2, quadratic 4). Shapes:

* nested-under-cap: blocks nested just under HTML_MAX_DEPTH, repeated (what the caps let
  through, so what the parser really gets), n = 250 KB;
* nested-deep: one long chain of <div>, n = 40,000 levels (under the size cap, so the depth
  scan runs and refuses it), and nested-deep-2MB, n = 100,000 (2n = issue 15's 200,000-deep,
  2.2 MB mail: the size cap refuses it); this measures the guard and parse_message's path
  to it, as the parser is never called;
* stray-closes: end tags before start tags (a guard that only counts would go negative);
* flat: many sibling blocks (a large but honest table).

Run: python bench/html_linear.py [--rounds R]. Prints figures and a verdict; nothing is asserted in
the suite (tests/test_bounded.py checks only that each finishes within the parse budget).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.parse import (
    mime,
    parse_message,
)
from bot.core.parse.links import html_links

HEAD = (b"From: Amazon <donotreply@amazon.com>\nTo: ventes@example.fr\nSubject: Retour\n"
        b"Message-ID: <bench@amazon.com>\nDate: Sun, 22 Nov 2026 07:41:00 +0000\n"
        b"MIME-Version: 1.0\nX-Space-Notification-Type: RETURN_REQUEST\n"
        b"Content-Type: text/html; charset=utf-8\n\n")
LINK = "<a href='https://sellercentral.amazon.fr/gp/returns/list/v2'>x</a>"


def nested_under_cap(chars: int) -> str:
    levels = mime.HTML_MAX_DEPTH - 3
    block = "<div>" * levels + LINK + "</div>" * levels
    return "<html><body>" + block * max(1, chars // len(block)) + "</body></html>"


def nested_deep(levels: int) -> str:
    return "<html><body>" + "<div>" * levels + LINK + "</div>" * levels + "</body></html>"


def stray_closes(levels: int) -> str:
    return "</div>" * levels + "<div>" * levels + LINK


def flat(chars: int) -> str:
    row = "<tr><td>item</td><td>B0ABCDEFGH</td><td>1</td></tr>"
    return "<html><body><table>" + row * max(1, chars // len(row)) + "</table></body></html>"


def guarded(func: Callable[[str], object]) -> Callable[[str], object]:
    """What the code path does with the input: the function, or the guard's refusal."""
    def run(html: str) -> object:
        try:
            return func(html)
        except mime.TooComplex:
            return None
    return run


FUNCTIONS: list[tuple[str, Callable[[str], object]]] = [
    ("check_html_budget", guarded(mime.check_html_budget)),
    ("mark_blocks", mime.mark_blocks),
    ("html_parse", guarded(mime.html_parse)),
    ("html_to_text", guarded(mime.html_to_text)),
    ("html_links(html_tree)", guarded(lambda h: html_links(mime.html_tree(h)))),
    ("parse_message", lambda h: parse_message(HEAD + h.encode())),
]
SHAPES: list[tuple[str, Callable[[int], str], int]] = [
    ("nested-under-cap", nested_under_cap, 250_000),
    ("nested-deep", nested_deep, 40_000),
    ("stray-closes", stray_closes, 40_000),
    ("nested-deep-2MB", nested_deep, 100_000),
    ("flat", flat, 250_000),
]


def best_pair(func: Callable[[str], object], small: str, large: str, rounds: int
              ) -> tuple[float, float]:
    """Best of `rounds` for each size, measured alternately so a busy neighbour on a shared
    machine slows both sizes alike instead of one."""
    t_small, t_large = [], []
    for _ in range(rounds):
        for html, times in ((small, t_small), (large, t_large)):
            start = time.perf_counter()
            func(html)
            times.append(time.perf_counter() - start)
    return min(t_small), min(t_large)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args()
    worst = 0.0
    print(f"{'function':<22} {'shape':<17} {'t(n) ms':>9} {'t(2n) ms':>9} {'ratio':>6}")
    for shape, build, n in SHAPES:
        small, large = build(n), build(2 * n)
        for name, func in FUNCTIONS:
            if name == "mark_blocks" and len(large) > mime.HTML_MAX_CHARS:
                continue  # never called past the size cap (html_parse checks first)
            t1, t2 = best_pair(func, small, large, args.rounds)
            ratio = t2 / t1 if t1 > 0 else float("inf")
            worst = max(worst, ratio)
            print(f"{name:<22} {shape:<17} {t1 * 1000:>9.2f} {t2 * 1000:>9.2f} {ratio:>6.2f}")
    verdict = "met" if worst <= 3.0 else "NOT met"
    print(f"worst ratio t(2n)/t(n) = {worst:.2f} (target <= 3: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
