"""Tracking numbers: which carrier's format a number has, and whether its check digit holds.

Pure: text in, a `TrackingCheck` out. A wrong tracking number on an order is worse than none
(Amazon's "valid tracking rate" counts numbers the carrier does not know), so the seller's
`EXPÉDIÉ` reply is refused with the reason rather than recorded.

Formats (what each carrier prints on its labels) and check digits where the carrier publishes
one; `check` says which was applied:

* UPU S10 (La Poste / Colissimo international, Chronopost, Poste Italiane, Correos, Deutsche
  Post, Royal Mail…): 2 letters, 8 digits, a check digit, the 2-letter country. Check digit:
  weights 8 6 4 2 3 5 9 7, c = 11 - (sum mod 11); 10 -> 0, 11 -> 5.
* UPS: ``1Z`` + 16 characters; the last is a check digit over the 15 before it (letters count
  (ord - ord('A') + 2) mod 10; odd positions once, even positions twice; c = (10 - s mod 10) mod 10).
* DHL Express: 10 digits, the last = the first 9 as a number mod 7.
* DHL Paket: 12 or 20 digits, or ``JJD`` + 18-20 digits. The 20-digit ``00…`` form is a GS1
  SSCC (weights 3 1 from the right, c = (10 - s mod 10) mod 10); the others: format only.
* DPD: 14 digits, optionally followed by the label's check character, ISO 7064 MOD 37,36.
* Colissimo (domestic): a digit and a letter then 11 digits (``6A…``, ``8R…``); format only.
* Chronopost: S10 with an ``FR`` suffix, or 2 letters + 9 digits + 2 letters; S10 rule when it
  has the S10 shape.
* GLS: 11 or 12 digits (``ZZ`` track IDs: 8 alphanumerics); format only.
* Mondial Relay: 8 or 10-12 digits; format only.
* Poste Italiane: S10 ``…IT``, or 12-13 alphanumerics (``1UW…``, ``3S…``); format only.
* Correos: S10 ``…ES``, or ``PQ``/``PK`` + 16-22 alphanumerics; format only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "CARRIERS",
    "TrackingCheck",
    "canonical_carrier",
    "check_tracking",
    "dhl_express_ok",
    "mod37_36_check",
    "s10_check_digit",
    "sscc_check_digit",
    "ups_check_digit",
]


@dataclass(frozen=True, slots=True)
class TrackingCheck:
    """The verdict on one number. `reason` is a stable code the templates translate."""

    ok: bool
    number: str  # normalised: upper case, spaces and dashes removed
    carrier: str | None  # canonical carrier name, given or inferred
    reason: str = ""  # "" | empty | unknown_carrier | bad_format | bad_check_digit | ambiguous
    check: str = "format"  # "s10" | "ups" | "mod7" | "sscc" | "mod37_36" | "format"
    candidates: tuple[str, ...] = ()  # carriers whose format matched (when ambiguous)


#: Canonical carrier -> the names a seller writes (folded: upper case, no accents/spaces).
CARRIERS: dict[str, tuple[str, ...]] = {
    "Colissimo": ("COLISSIMO", "LAPOSTE", "POSTE", "LETTRESUIVIE"),
    "Chronopost": ("CHRONOPOST", "CHRONO"),
    "UPS": ("UPS",),
    "DHL Express": ("DHL", "DHLEXPRESS"),
    "DHL Paket": ("DHLPAKET", "DEUTSCHEPOST", "DHLDE"),
    "DPD": ("DPD", "DPDFRANCE", "DPDDE"),
    "GLS": ("GLS",),
    "Mondial Relay": ("MONDIALRELAY", "MONDIAL", "RELAY", "INPOST"),
    "Poste Italiane": ("POSTEITALIANE", "POSTEIT", "SDA"),
    "Correos": ("CORREOS", "CORREOSEXPRESS"),
    "La Poste (international)": ("S10", "UPU"),
}

_ALIASES = {alias: name for name, aliases in CARRIERS.items() for alias in aliases}

_S10 = re.compile(r"^[A-Z]{2}\d{9}[A-Z]{2}$")


def _fold(text: str) -> str:
    base = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return re.sub(r"[\s\-_.]", "", base.upper())


def canonical_carrier(name: str) -> str | None:
    """'la poste' -> 'Colissimo', 'Mondial Relay' -> 'Mondial Relay'; None if unknown."""
    return _ALIASES.get(_fold(name))


def normalise(number: str) -> str:
    return re.sub(r"[\s\-.]", "", number.strip().upper())


# ------------------------------------------------------------------ check digits
def s10_check_digit(serial: str) -> int:
    """UPU S10: the check digit of 8 serial digits."""
    total = sum(int(d) * w for d, w in zip(serial, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    c = 11 - total % 11
    return {10: 0, 11: 5}.get(c, c)


def ups_check_digit(body: str) -> int:
    """UPS 1Z: the check digit of the 15 characters after '1Z'."""
    values = [int(c) if c.isdigit() else (ord(c) - ord("A") + 2) % 10 for c in body]
    total = sum(v if i % 2 == 0 else 2 * v for i, v in enumerate(values))
    return (10 - total % 10) % 10


def dhl_express_ok(number: str) -> bool:
    return int(number[:9]) % 7 == int(number[9])


def sscc_check_digit(digits: str) -> int:
    """GS1 (SSCC, GTIN): weights 3, 1, 3… from the rightmost data digit."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def mod37_36_check(data: str) -> str:
    """ISO 7064 MOD 37,36 (hybrid): the check character for alphanumeric `data`."""
    p = 36
    for ch in data:
        p = (p + _ALNUM.index(ch)) % 36 or 36
        p = (p * 2) % 37
    return _ALNUM[(37 - p) % 36]


# ------------------------------------------------------------------ per carrier
def _s10(n: str) -> tuple[bool, str, str]:
    """(shape matches, reason if bad, check name)."""
    if not _S10.match(n):
        return False, "bad_format", "s10"
    if s10_check_digit(n[2:10]) != int(n[10]):
        return True, "bad_check_digit", "s10"
    return True, "", "s10"


def _ups(n: str) -> tuple[bool, str, str]:
    if not re.fullmatch(r"1Z[0-9A-Z]{16}", n):
        return False, "bad_format", "ups"
    if not n[17].isdigit() or ups_check_digit(n[2:17]) != int(n[17]):
        return True, "bad_check_digit", "ups"
    return True, "", "ups"


def _dhl_express(n: str) -> tuple[bool, str, str]:
    if not re.fullmatch(r"\d{10}", n):
        return False, "bad_format", "mod7"
    return True, ("" if dhl_express_ok(n) else "bad_check_digit"), "mod7"


def _dhl_paket(n: str) -> tuple[bool, str, str]:
    if re.fullmatch(r"00\d{18}", n):
        return True, ("" if sscc_check_digit(n[2:19]) == int(n[19]) else "bad_check_digit"), \
            "sscc"
    if re.fullmatch(r"\d{12}|JJD\d{18,20}", n):
        return True, "", "format"
    return False, "bad_format", "format"


def _dpd(n: str) -> tuple[bool, str, str]:
    if re.fullmatch(r"\d{14}", n):
        return True, "", "format"
    if re.fullmatch(r"\d{14}[0-9A-Z]", n):
        return True, ("" if mod37_36_check(n[:14]) == n[14] else "bad_check_digit"), "mod37_36"
    return False, "bad_format", "format"


def _pattern(regex: str) -> object:
    rx = re.compile(regex)

    def check(n: str) -> tuple[bool, str, str]:
        return (True, "", "format") if rx.fullmatch(n) else (False, "bad_format", "format")
    return check


def _s10_or(suffix: str, other: str) -> object:
    rx = re.compile(other)

    def check(n: str) -> tuple[bool, str, str]:
        if _S10.match(n) and n.endswith(suffix):
            return _s10(n)
        if rx.fullmatch(n):
            return True, "", "format"
        return False, "bad_format", "format"
    return check


_COLISSIMO_DOMESTIC = r"\d[A-Z]\d{11}"

#: carrier -> check(number) -> (shape matches, reason, check)
_CHECKS: dict[str, object] = {
    "UPS": _ups,
    "DHL Express": _dhl_express,
    "DHL Paket": _dhl_paket,
    "DPD": _dpd,
    "Colissimo": _s10_or("", _COLISSIMO_DOMESTIC),
    "Chronopost": _s10_or("FR", r"[A-Z]{2}\d{9}[A-Z]{2}"),
    "GLS": _pattern(r"\d{11,12}|ZZ[0-9A-Z]{6}|[0-9A-Z]{8}"),
    "Mondial Relay": _pattern(r"\d{8}|\d{10,12}"),
    "Poste Italiane": _s10_or("IT", r"[0-9A-Z]{12,13}"),
    "Correos": _s10_or("ES", r"P[QK][0-9A-Z]{16,22}"),
    "La Poste (international)": _s10,
}

#: Formats specific enough to name the carrier when the seller did not (most specific first).
_INFER: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("UPS", re.compile(r"1Z[0-9A-Z]{16}")),
    ("Colissimo", re.compile(_COLISSIMO_DOMESTIC)),
    ("Correos", re.compile(r"P[QK][0-9A-Z]{16,22}")),
    ("DHL Paket", re.compile(r"JJD\d{18,20}|00340434\d{12}")),
)


def check_tracking(number: str, carrier: str | None = None) -> TrackingCheck:
    """Validate `number` for `carrier` (a name as the seller wrote it), or infer the carrier
    from a distinctive format. A number whose format fits several carriers needs the carrier."""
    n = normalise(number)
    name = canonical_carrier(carrier) if carrier else None
    if carrier and name is None:
        return TrackingCheck(False, n, None, "unknown_carrier")
    if not n:
        return TrackingCheck(False, n, name, "empty")
    if not re.fullmatch(r"[0-9A-Z]{6,34}", n):
        return TrackingCheck(False, n, name, "bad_format")
    if name == "DHL Express" and not _dhl_express(n)[0] and _dhl_paket(n)[0]:
        name = "DHL Paket"  # "DHL" in Germany is usually a Paket number
    if name is None:
        for candidate, rx in _INFER:
            if rx.fullmatch(n):
                name = candidate
                break
    if name is None and _S10.match(n):
        name = "La Poste (international)"
    if name is None:
        fits = tuple(c for c, f in _CHECKS.items() if f(n)[0])  # type: ignore[operator]
        return TrackingCheck(False, n, None, "ambiguous" if fits else "bad_format",
                             candidates=fits)
    shape, reason, check = _CHECKS[name](n)  # type: ignore[operator]
    return TrackingCheck(shape and not reason, n, name, reason, check)
