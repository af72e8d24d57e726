"""Where a link may point: Amazon's stores and Seller Central, and the hosts the seller allows."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

#: Top-level domains Amazon runs a store or Seller Central on (host must end amazon.<tld>).
AMAZON_TLDS = frozenset({
    "com", "fr", "de", "it", "es", "co.uk", "nl", "se", "pl", "com.be", "com.tr", "ie", "ca",
    "com.mx", "com.br", "co.jp", "jp", "com.au", "in", "sg", "ae", "sa", "eg", "cn", "eu",
})


def is_amazon_host(host: str) -> bool:
    """amazon.<tld> or any subdomain of it (www., sellercentral., marketplace.); nothing else.

    "amazon.fr.evil.com", "amazon-retours.fr", "notamazon.fr" are not Amazon.
    """
    labels = host.lower().rstrip(".").split(".")
    for i, label in enumerate(labels):
        if label == "amazon" and ".".join(labels[i + 1:]) in AMAZON_TLDS:
            return True
    return False


def host_allowed(host: str, allowed_hosts: Iterable[str] = ()) -> bool:
    """Amazon's, or one of `allowed_hosts` or a subdomain of it."""
    host = host.lower().rstrip(".")
    if is_amazon_host(host):
        return True
    for allowed in allowed_hosts:
        allowed = allowed.lower().strip().rstrip(".")
        if allowed and (host == allowed or host.endswith("." + allowed)):
            return True
    return False



def host_of(url: str) -> str:
    """The host a link points to, also for "www.…" and a defanged "hxxp://"; "" if none."""
    if url.lower().startswith("www."):
        url = "http://" + url
    url = re.sub(r"^hxxp", "http", url, flags=re.IGNORECASE)
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
