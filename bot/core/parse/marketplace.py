"""Which Amazon marketplace a notification belongs to: its X-Marketplace-ID, else the sender's
domain, else the Seller Central host its action links point at."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.core.domain import Link

from .links import host_of, is_amazon_link_host

MARKETPLACE_IDS = {
    "A13V1IB3VIYZZH": "amazon.fr", "A1PA6795UKMFR9": "amazon.de", "APJ6JRA9NG5V4": "amazon.it",
    "A1RKKUPIHCS9HS": "amazon.es", "A1F83G8C2ARO7P": "amazon.co.uk", "ATVPDKIKX0DER": "amazon.com",
    "A1805IZSGTT6HS": "amazon.nl", "AMEN7PMS3EDWL": "amazon.com.be", "A1C3SOZRARQ6R3": "amazon.pl",
    "A2NODRKZP88ZB9": "amazon.se", "A2EUQ1WTGCTBG2": "amazon.ca", "A1AM78C64UM0Y8": "amazon.com.mx",
}
MARKETPLACE_BY_DOMAIN = {v: k for k, v in MARKETPLACE_IDS.items()}


def marketplace_from_domain(domain: str) -> str | None:
    """'amazon.fr' for 'marketplace.amazon.fr', 'sellercentral.amazon.fr'..."""
    d = domain.lower()
    for mp in sorted(MARKETPLACE_BY_DOMAIN, key=len, reverse=True):
        if d == mp or d.endswith("." + mp):
            return mp
    m = re.search(r"amazon\.((?:co|com)\.[a-z]{2}|[a-z]{2,3})$", d)
    return f"amazon.{m.group(1)}" if m else None


def _from_links(links: Iterable[Link]) -> str | None:
    for link in links:
        host = host_of(link.target)
        if is_amazon_link_host(host) and host.startswith("sellercentral."):
            mp = marketplace_from_domain(host)
            if mp:
                return mp
    return None


def marketplace_of(mp_id: str, from_domain: str,
                   links: Iterable[Link] = ()) -> tuple[str | None, str | None]:
    """(marketplace, marketplace id). amazon.com senders write for every marketplace: their
    domain is the last resort, after the links."""
    mp = MARKETPLACE_IDS.get(mp_id) if mp_id else None
    if not mp and from_domain and not from_domain.endswith("amazon.com"):
        mp = marketplace_from_domain(from_domain)
    if not mp:
        mp = _from_links(links)
    mp = mp or marketplace_from_domain(from_domain)
    return mp, mp_id or MARKETPLACE_BY_DOMAIN.get(mp or "")
