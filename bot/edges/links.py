"""Follow Seller Central action links, and nothing else.

Only https URLs whose host is on the Amazon allowlist are requested; redirects are followed by
hand so that every hop is checked again; private, loopback and link-local addresses are refused.
The one exception is an explicit `stand_in` base URL (tests and demo): the allowlist check runs
on the real Amazon URL, then scheme and host are swapped for the loopback stand-in.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

MAX_REDIRECTS = 5
_SIGN_IN = re.compile(r"/ap/(signin|mfa)|/signin", re.IGNORECASE)


class LinkRefused(Exception):
    """The URL (or a redirect) is not one sellerbot may request. Permanent."""


class LinkTransientError(Exception):
    """5xx, timeout, connection refused: worth another try."""


class LinkPermanentError(Exception):
    """4xx: retrying will not help."""


@dataclass(frozen=True)
class LinkPolicy:
    allowed_hosts: tuple[str, ...]
    timeout: float = 15.0
    stand_in: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LinkResult:
    url: str
    final_url: str
    status: int
    body_excerpt: str


def check_url(url: str, policy: LinkPolicy) -> None:
    """Raise LinkRefused unless `url` is an https Seller Central URL on the allowlist."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise LinkRefused(f"not https: {url[:120]}")
    host = (parts.hostname or "").lower()
    if not host or host not in policy.allowed_hosts:
        raise LinkRefused(f"host not on the Amazon allowlist: {host or '(none)'}")
    if parts.username or parts.password:
        raise LinkRefused("credentials in URL")
    try:
        ipaddress.ip_address(host)
        raise LinkRefused(f"IP literal: {host}")
    except ValueError:
        pass


def _check_resolved(host: str) -> None:
    try:
        infos = socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise LinkTransientError(f"cannot resolve {host}: {exc}") from exc
    for info in infos:
        addr = ipaddress.ip_address(info[4][0])
        if addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_reserved:
            raise LinkRefused(f"{host} resolves to a non-public address {addr}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def follow(url: str, policy: LinkPolicy) -> LinkResult:
    """GET `url` (checked hop by hop). Raises LinkRefused / LinkTransientError / LinkPermanentError."""
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        check_url(current, policy)
        parts = urlsplit(current)
        if policy.stand_in:
            base = urlsplit(policy.stand_in)
            wire = urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))
        else:
            _check_resolved(parts.hostname or "")
            wire = current
        request = urllib.request.Request(wire, headers={"User-Agent": "sellerbot/0.1",
                                                        **policy.headers})
        try:
            with _opener.open(request, timeout=policy.timeout) as response:
                body = response.read(4096).decode("utf-8", "replace")
            if _SIGN_IN.search(parts.path):
                # 200 on a sign-in page is not an authorization: the session is missing.
                raise LinkPermanentError("Seller Central asked to sign in: the session in "
                                         "links.session_cookie_env is missing or expired")
            return LinkResult(url, current, response.status, body[:500])
        except urllib.error.HTTPError as exc:
            if exc.code in (301, 302, 303, 307, 308):
                location = exc.headers.get("Location", "")
                if not location:
                    raise LinkPermanentError(f"redirect without Location from {current}") from exc
                target = urljoin(current, location)
                if policy.stand_in and urlsplit(location).netloc:
                    # An absolute redirect from the stand-in names its real destination.
                    loc = urlsplit(location)
                    if loc.netloc == urlsplit(policy.stand_in).netloc:
                        target = urlunsplit(("https", parts.netloc, loc.path, loc.query, ""))
                    else:
                        target = location
                current = target
                continue
            if 500 <= exc.code < 600 or exc.code == 429:
                raise LinkTransientError(f"HTTP {exc.code} from {parts.hostname}") from exc
            raise LinkPermanentError(f"HTTP {exc.code} from {parts.hostname}") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError, socket.timeout,
                http.client.HTTPException) as exc:
            raise LinkTransientError(f"{type(exc).__name__}: {exc}") from exc
    raise LinkRefused(f"more than {MAX_REDIRECTS} redirects")
