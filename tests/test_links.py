"""Action links: only Amazon hosts, hop by hop, against a real HTTP stand-in on loopback."""

from __future__ import annotations

import pytest

from bot.edges.config import DEFAULT_ALLOWED_HOSTS
from bot.edges import links

AMAZON = "https://sellercentral.amazon.fr/gp/returns/list/v2?searchString=405-1&action=authorize"


def policy(standin=None, timeout: float = 5.0) -> links.LinkPolicy:  # type: ignore[no-untyped-def]
    return links.LinkPolicy(allowed_hosts=DEFAULT_ALLOWED_HOSTS, timeout=timeout,
                            stand_in=standin.base_url if standin else None)


@pytest.mark.parametrize("url, why", [
    ("http://sellercentral.amazon.fr/gp/returns", "not https"),
    ("https://sellercentral.amazon.fr.evil.example/gp", "allowlist"),
    ("https://amazon-seller-central.com/gp", "allowlist"),
    ("https://93.184.216.34/gp", "allowlist"),
    ("https://[::1]/gp", "allowlist"),
    ("file:///etc/passwd", "not https"),
    ("javascript:alert(1)", "not https"),
    ("https://user:pw@sellercentral.amazon.fr/gp", "credentials"),
    ("https://www.amazon.fr/gp", "allowlist"),  # buyer site: not an action host
])
def test_refused_urls(url: str, why: str) -> None:
    with pytest.raises(links.LinkRefused, match=why):
        links.check_url(url, policy())


def test_allowed_url_passes() -> None:
    links.check_url(AMAZON, policy())


@pytest.mark.servers
def test_follow_records_status(link_standin) -> None:  # type: ignore[no-untyped-def]
    result = links.follow(AMAZON, policy(link_standin))
    assert result.status == 200
    hit = link_standin.wait_for_hits(1, 5)[0]
    assert hit.path == "/gp/returns/list/v2" and "action=authorize" in hit.query


@pytest.mark.servers
def test_500_is_transient(link_standin) -> None:  # type: ignore[no-untyped-def]
    link_standin.respond("/gp/returns", status=500)
    with pytest.raises(links.LinkTransientError, match="500"):
        links.follow(AMAZON, policy(link_standin))


@pytest.mark.servers
def test_404_is_permanent(link_standin) -> None:  # type: ignore[no-untyped-def]
    link_standin.respond("/gp/returns", status=404)
    with pytest.raises(links.LinkPermanentError, match="404"):
        links.follow(AMAZON, policy(link_standin))


@pytest.mark.servers
def test_timeout_is_transient(link_standin) -> None:  # type: ignore[no-untyped-def]
    link_standin.delay("/gp/returns", seconds=5)
    try:
        with pytest.raises(links.LinkTransientError):
            links.follow(AMAZON, policy(link_standin, timeout=0.3))
    finally:
        link_standin.release()


@pytest.mark.servers
def test_redirect_off_amazon_is_refused(link_standin) -> None:  # type: ignore[no-untyped-def]
    link_standin.redirect("/gp/returns", "https://evil.example/steal")
    with pytest.raises(links.LinkRefused, match="evil.example"):
        links.follow(AMAZON, policy(link_standin))
    assert len(link_standin.hits) == 1  # the redirect target was never requested


@pytest.mark.servers
def test_redirect_within_amazon_is_followed(link_standin) -> None:  # type: ignore[no-untyped-def]
    link_standin.redirect("/gp/returns", "/confirmation?ok=1")
    result = links.follow(AMAZON, policy(link_standin))
    assert result.status == 200
    assert result.final_url.startswith("https://sellercentral.amazon.fr/confirmation")
    assert [h.path for h in link_standin.hits] == ["/gp/returns/list/v2", "/confirmation"]


@pytest.mark.servers
def test_a_sign_in_page_is_not_an_authorization(link_standin) -> None:  # type: ignore[no-untyped-def]
    link_standin.redirect("/gp/returns", "/ap/signin?openid.return_to=x")
    with pytest.raises(links.LinkPermanentError, match="sign in"):
        links.follow(AMAZON, policy(link_standin))
