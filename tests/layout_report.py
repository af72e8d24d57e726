"""Per-field accuracy of the parser over the layout-mutation harness.

Run: PYTHONPATH=. python3 tests/layout_report.py [--n 3] [--held-out]
Prints layouts x families x languages covered, per-field accuracy and the misses.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.parse import parse_message
from tests.layouts import (
    DEV_LAYOUTS,
    FAMILIES,
    HELD_OUT_LAYOUTS,
    LANGS,
    PARSE_KW,
    actual,
    compare,
    expected,
    make_facts,
    render,
)


def run(layouts: tuple[str, ...], n: int, seed: int = 14) -> tuple[Counter, Counter, list]:
    right: Counter = Counter()
    total: Counter = Counter()
    misses = []
    for layout in layouts:
        for family in FAMILIES:
            for lang in LANGS:
                for i in range(n):
                    rng = random.Random(f"{seed}-{layout}-{family}-{lang}-{i}")
                    f = make_facts(family, lang, rng)
                    exp = expected(f, layout)
                    got = actual(parse_message(render(f, layout, rng), **PARSE_KW))
                    bad = compare(exp, got)
                    for k in exp:
                        total[k] += 1
                        right[k] += k not in bad
                    if bad:
                        misses.append((layout, family, lang, bad))
    return right, total, misses


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3)
    ap.add_argument("--held-out", action="store_true")
    ap.add_argument("--show", type=int, default=30)
    args = ap.parse_args()
    layouts = HELD_OUT_LAYOUTS if args.held_out else DEV_LAYOUTS
    right, total, misses = run(layouts, args.n)
    mails = len(layouts) * len(FAMILIES) * len(LANGS) * args.n
    print(f"{len(layouts)} layouts x {len(FAMILIES)} families x {len(LANGS)} languages "
          f"x {args.n} = {mails} mails; {mails - len(misses)} fully right")
    for k in sorted(total):
        print(f"  {k:20} {right[k]:5}/{total[k]:<5} {100 * right[k] / total[k]:6.2f} %")
    for m in misses[: args.show]:
        print("MISS", m)


if __name__ == "__main__":
    main()
