"""Amounts written in mails ("12,90 €", "EUR 1.234,50", "$9.99") -> Money."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from bot.core.domain import Money

_CUR_SYM = {"€": "EUR", "£": "GBP", "$": "USD", "us$": "USD", "zł": "PLN", "kr": "SEK"}
_NUM = r"\d{1,3}(?:[.,\u00a0\u202f ]\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_MONEY = re.compile(
    r"(?:(?P<pre>€|£|US\$|\$|EUR|GBP|USD|PLN|SEK)\s?(?P<n1>" + _NUM + r"))"
    r"|(?:(?P<n2>" + _NUM + r")\s?(?P<post>€|£|\$|EUR|GBP|USD|PLN|SEK|zł|kr)(?![A-Za-z]))")


def to_decimal(num: str) -> Decimal | None:
    s = num.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if "," in s and "." in s:
        dec = "," if s.rfind(",") > s.rfind(".") else "."
        thou = "." if dec == "," else ","
        s = s.replace(thou, "").replace(dec, ".")
    elif "," in s or "." in s:
        sep = "," if "," in s else "."
        head, _, tail = s.rpartition(sep)
        if len(tail) == 3:
            s = s.replace(sep, "")  # thousands separator: "1.234", "1,234"
        else:
            s = head.replace(sep, "") + "." + tail
    try:
        return Decimal(s)
    except InvalidOperation:
        return None


def find_money(text: str) -> Money | None:
    for m in _MONEY.finditer(text):
        num = m.group("n1") or m.group("n2")
        cur = (m.group("pre") or m.group("post") or "").upper()
        cur = _CUR_SYM.get(cur.lower(), _CUR_SYM.get(cur, cur))
        val = to_decimal(num)
        if val is not None and cur:
            return Money(val, cur)
    return None
