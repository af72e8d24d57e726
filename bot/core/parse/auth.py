"""Authenticity: does a mail that claims to be Amazon really come from Amazon?

Authentication-Results headers are read only when their authserv-id is trusted (added by
our own MTA); anything else in the headers could have been written by the sender.
"""

from __future__ import annotations

import re
from email.message import Message

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


def auth_results(msg: Message, trusted: tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
    """({'dkim': 'pass', 'dmarc': 'pass', 'spf': 'pass', 'dkim_d': 'amazon.fr'}, [dkim d= domains
    that passed]) from trusted Authentication-Results headers only."""
    results: dict[str, str] = {}
    dkim_pass: list[str] = []
    if not trusted:
        return results, dkim_pass
    trusted_l = {t.lower() for t in trusted}
    for raw in msg.get_all("Authentication-Results") or []:
        value = decode_header_value(raw)
        try:
            hdr = authres.AuthenticationResultsHeader.parse("Authentication-Results: " + value)
        except Exception:  # noqa: BLE001 - unparsable header: ignore it
            continue
        if (hdr.authserv_id or "").lower() not in trusted_l:
            continue
        for res in hdr.results:
            method = (res.method or "").lower()
            result = (res.result or "").lower()
            if method == "dkim":
                d = ""
                for prop in res.properties:
                    if prop.type == "header" and prop.name in ("d", "i"):
                        d = (prop.value or "").lstrip("@").split("@")[-1].lower()
                        break
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
    reasons = []
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
