"""Authenticity: does a mail that claims to be Amazon really come from Amazon?

Authentication-Results headers are read only when their authserv-id is trusted (added by
our own MTA); anything else in the headers could have been written by the sender.
"""

from __future__ import annotations

import re
from email.message import Message
from functools import lru_cache

import authres

from .links import is_amazon_domain
from .mime import decode_header_value

_LOOKALIKE_MAP = str.maketrans({"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "@": "a",
                                "$": "s", "|": "l"})
_RELAY_LOCAL = re.compile(r"^[a-z0-9]{10,20}(?:\+[A-Za-z0-9]+)?$")


def _squash(s: str) -> str:
    s = s.lower().translate(_LOOKALIKE_MAP).replace("rn", "m").replace("vv", "w")
    return re.sub(r"[^a-z]", "", s)


def mentions_amazon(text: str) -> bool:
    return "amazon" in _squash(text or "")


def is_genuine_amazon_sender(domain: str) -> bool:
    return bool(domain) and is_amazon_domain(domain) and not domain.endswith("amazonses.com")


def sender_reasons(from_name: str | None, from_addr: str | None, *, claims_amazon: bool,
                   ) -> list[str]:
    """Reasons a From address that claims to be Amazon is not."""
    domain = (from_addr or "").rsplit("@", 1)[-1] if from_addr and "@" in from_addr else ""
    reasons: list[str] = []
    if not claims_amazon or is_genuine_amazon_sender(domain):
        return reasons
    if mentions_amazon(domain) or _squash(domain.split(".")[0]).startswith("amaz"):
        reasons.append(f"lookalike sender domain {domain}")
    elif "marketplace" in domain or ("amazon" in (from_name or "").lower() and
                                     _RELAY_LOCAL.match((from_addr or "").split("@")[0])):
        reasons.append(f"relay-looking sender {from_addr} not under marketplace.amazon.<tld>")
    else:
        reasons.append(f"sender claims to be Amazon but domain {domain or '?'} is not an "
                       f"Amazon domain")
    return reasons


_COMMENT = re.compile(r"\([^()]*\)")
_RESINFO = re.compile(r"^\s*([a-z0-9_-]+)(?:/\d+)?\s*=\s*([a-z]+)\b(.*)$", re.I | re.S)
_PROP = re.compile(r"([a-z0-9_-]+\.[a-z0-9_.-]+)\s*=\s*([^\s;]+)", re.I)

Entries = list[tuple[str, str, dict[str, str]]]


def _fast_parse(value: str) -> tuple[str, Entries] | None:
    """Minimal RFC 8601 reader (authres takes ~1 ms per header): authserv-id and resinfos."""
    if '"' in value or "\\" in value:
        return None
    for _ in range(3):  # nested comments
        value = _COMMENT.sub(" ", value)
    parts = value.split(";")
    head = parts[0].split()
    if not head:
        return None
    entries: Entries = []
    for part in parts[1:]:
        part = part.strip()
        if not part or part.lower() == "none":
            continue
        m = _RESINFO.match(part)
        if not m:
            return None
        props = {k.lower(): v for k, v in _PROP.findall(m.group(3))}
        entries.append((m.group(1).lower(), m.group(2).lower(), props))
    return head[0], entries


def _authres_parse(value: str) -> tuple[str, Entries] | None:
    try:
        hdr = authres.AuthenticationResultsHeader.parse("Authentication-Results: " + value)
    except Exception:  # noqa: BLE001 - unparsable header: ignore it
        return None
    entries: Entries = []
    for res in hdr.results:
        props = {f"{p.type}.{p.name}".lower(): p.value or "" for p in res.properties}
        entries.append(((res.method or "").lower(), (res.result or "").lower(), props))
    return hdr.authserv_id or "", entries


@lru_cache(maxsize=1024)
def _parse_cached(value: str) -> tuple[str, Entries] | None:
    """Pure function of the header value (read-only result): memoised."""
    return _fast_parse(value) or _authres_parse(value)


def auth_results(msg: Message, trusted: tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
    """({'dkim': 'pass', 'dmarc': 'pass', 'spf': 'pass'}, [d= domains whose DKIM passed]),
    from trusted Authentication-Results headers only; nothing at all when none is trusted."""
    results: dict[str, str] = {}
    dkim_pass: list[str] = []
    if not trusted:
        return results, dkim_pass
    trusted_l = {t.lower() for t in trusted}
    for raw in msg.get_all("Authentication-Results") or []:
        value = decode_header_value(raw)
        first = value.split(";", 1)[0].split()
        if not first or first[0].lower() not in trusted_l:
            continue
        parsed = _parse_cached(value)
        if parsed is None or parsed[0].lower() not in trusted_l:
            continue
        for method, result, props in parsed[1]:
            if method == "dkim":
                d = (props.get("header.d") or props.get("header.i") or "").lstrip("@")
                d = d.split("@")[-1].lower()
                if result == "pass" and d:
                    dkim_pass.append(d)
                if results.get("dkim") != "pass":
                    results["dkim"] = result
            elif method in ("dmarc", "spf", "arc"):
                if results.get(method) != "pass":
                    results[method] = result
    return results, dkim_pass


def _aligned(d: str, from_domain: str) -> bool:
    return d == from_domain or from_domain.endswith("." + d) or d.endswith("." + from_domain)


def auth_reasons(results: dict[str, str], dkim_pass: list[str], from_domain: str) -> list[str]:
    reasons: list[str] = []
    if not results:
        return reasons
    if results.get("dmarc") in ("fail", "permerror"):
        reasons.append("DMARC fail")
    if "dkim" in results and results["dkim"] != "pass" and not dkim_pass:
        reasons.append(f"DKIM {results['dkim']}")
    elif dkim_pass and not any(_aligned(d, from_domain) for d in dkim_pass):
        reasons.append(f"DKIM d={dkim_pass[0]} not aligned with From domain {from_domain}")
    elif "dkim" not in results and results.get("dmarc") != "pass":
        reasons.append("no DKIM signature")
    return reasons
