"""Action links: unwrap redirectors, tell Amazon hosts apart, guess the role.

`url` is the link as written (after QP and HTML-entity decoding), `target` the link
once every wrapper (Amazon /nms/ redirect, Outlook Safe Links) is removed.
The role mapping is data (ROLE_BY_URL / ROLE_BY_TEXT) so it can be extended.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from bot.core.domain import Link, LinkRole

from .fastre import FoldRx

AMAZON_TLDS = (
    "fr", "de", "it", "es", "co.uk", "com", "nl", "com.be", "pl", "se", "ca", "com.mx",
    "co.jp", "in", "com.tr", "ae", "sa", "sg", "com.au", "com.br", "eg", "ie",
)
_TLD_RE = "|".join(re.escape(t) for t in sorted(AMAZON_TLDS, key=len, reverse=True))
_AMAZON_LINK_HOST = re.compile(
    r"^(?:sellercentral|sellercentral-europe|www|smile)\.amazon\.(?:" + _TLD_RE + r")$")
_SC_EUROPE = "sellercentral-europe.amazon.com"
_AMAZON_DOMAIN = re.compile(r"^(?:[a-z0-9-]+\.)*amazon\.(?:" + _TLD_RE + r")$")

_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"']+", re.I)
_SAFELINKS = re.compile(r"^[a-z0-9-]+\.safelinks\.protection\.outlook\.com$")


def is_amazon_domain(host: str) -> bool:
    return bool(_AMAZON_DOMAIN.match(host or ""))


def is_amazon_link_host(host: str) -> bool:
    return host == _SC_EUROPE or bool(_AMAZON_LINK_HOST.match(host or ""))


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _b64url(data: str) -> str | None:
    data = data.strip()
    try:
        raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
        out = raw.decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    return out if out.startswith(("http://", "https://", "/")) else None


def unwrap(url: str, depth: int = 0) -> str:
    """Remove Amazon /nms/ redirect and Outlook Safe Links wrappers (nested ones too)."""
    if depth > 5:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    host = (parts.hostname or "").lower()
    if _SAFELINKS.match(host):
        q = parse_qs(parts.query)
        inner = q.get("url", [None])[0]
        if inner:
            return unwrap(inner, depth + 1)
        return url
    if is_amazon_domain(host) and "/redirect/" in parts.path and parts.path.startswith("/nms/"):
        # keep the raw value: parse_qs would turn '+' into ' ' (not base64url, but be safe)
        m = re.search(r"(?:^|&)u=([^&]+)", parts.query)
        if m:
            target = _b64url(unquote(m.group(1)))
            if target:
                if target.startswith("/"):
                    target = f"{parts.scheme}://{host}{target}"
                return unwrap(target, depth + 1)
    return url


# Footer / boilerplate links that are never action links.
_BOILERPLATE = re.compile(
    r"/notifications/(?:feedback|preferences)|optout|unsubscribe|/satisfaction/|survey|"
    r"/nms/img/|/help/|/gp/help/|\.(?:png|gif|jpe?g)(?:\?|$)", re.I)
_BOILERPLATE_F = FoldRx(_BOILERPLATE)

# (role, regex over the TARGET url) - strong signals first.
ROLE_BY_URL: list[tuple[LinkRole, re.Pattern[str]]] = [
    (LinkRole.NO_RESPONSE_NEEDED, re.compile(r"/messaging/no-response-needed", re.I)),
    (LinkRole.REPORT, re.compile(r"[?&]report=true|bsm_email_report", re.I)),
    (LinkRole.AUTHORIZE, re.compile(r"[?&]action=authori[sz]e|/returns/authori[sz]e", re.I)),
    (LinkRole.CLOSE, re.compile(r"[?&]action=close|/returns/close", re.I)),
    (LinkRole.CANCEL_ORDER, re.compile(r"/cancel-order|cancelOrder", re.I)),
    (LinkRole.APPEAL, re.compile(r"optionToAppeal|/appeal", re.I)),
    (LinkRole.RESPOND, re.compile(r"/guarantee-claims/|/a-to-z|atoz", re.I)),
    (LinkRole.REPLY, re.compile(r"/messaging/(?:contact|reply|thread)", re.I)),
]
# (role, regex over the link text), tried when the URL says nothing decisive.
ROLE_BY_TEXT: list[tuple[LinkRole, re.Pattern[str]]] = [
    (LinkRole.NO_RESPONSE_NEEDED, re.compile(
        r"aucune r[ée]ponse|no response needed|keine antwort|nessuna risposta|"
        r"no (?:es necesaria|se necesita) (?:una )?respuesta|r[ée]soudre le cas|resolve case|"
        r"fall l[öo]sen|risolvi|resolver el caso", re.I)),
    (LinkRole.REPORT, re.compile(r"signaler une activit|report suspicious|verd[äa]chtig|"
                                 r"segnala|denunciar|informar de actividad", re.I)),
    (LinkRole.APPEAL, re.compile(r"faire appel|\bappeal\b|einspruch|widerspruch|"
                                 r"ricorso|presentar (?:una )?apelaci|recurrir", re.I)),
    (LinkRole.AUTHORIZE, re.compile(r"autoris|authori[sz]|genehmig|autorizz|autoriz", re.I)),
    (LinkRole.CLOSE, re.compile(r"\bclore\b|cl[ôo]tur|\bclose\b|schlie[ßs]en|chiudi|cerrar", re.I)),
    (LinkRole.CANCEL_ORDER, re.compile(r"annuler la commande|cancel (?:the )?order|"
                                       r"bestellung stornieren|annulla l'ordine|"
                                       r"cancelar (?:el )?pedido", re.I)),
    (LinkRole.RESPOND, re.compile(r"r[ée]pondre [àa] amazon|respond to amazon|"
                                  r"amazon antworten|rispondi ad amazon|responder a amazon", re.I)),
    (LinkRole.REPLY, re.compile(r"contacter|[ée]crire|envoyer un message|r[ée]pondre|contact|"
                                r"send a message|\breply\b|kontaktier|nachricht senden|"
                                r"antworten|contatta|rispondi|invia un messaggio|contactar|"
                                r"enviar un mensaje|responder", re.I)),
    (LinkRole.DETAILS, re.compile(r"consulter|voir|ouvrir|retrouver|d[ée]tails|\bopen\b|\bview\b|"
                                  r"\bread\b|\bfind\b|anzeigen|ansehen|visualizza|apri|"
                                  r"\bver\b|abrir|consultar", re.I)),
]
_DETAILS_URL = re.compile(r"/gp/returns/list|/orders-v3/order/|/returns/|/gp/orders", re.I)
_DETAILS_URL_F = FoldRx(_DETAILS_URL)


_FOLD: dict[re.Pattern[str], FoldRx | re.Pattern[str]] = {}


def _fast(rx: re.Pattern[str]) -> FoldRx | re.Pattern[str]:
    """A FoldRx twin of an IGNORECASE pattern (the role tables stay plain, extendable data)."""
    f = _FOLD.get(rx)
    if f is None:
        f = FoldRx(rx) if rx.flags & re.I else rx
        _FOLD[rx] = f
    return f


_TEXT_ROLES: dict[str, LinkRole | None] = {}


def _role_by_text(text: str) -> LinkRole | None:
    """ROLE_BY_TEXT on a link text, memoised: the same few link texts come in every mail."""
    if text in _TEXT_ROLES:
        return _TEXT_ROLES[text]
    found = None
    for role, rx in ROLE_BY_TEXT:
        if _fast(rx).search(text):
            found = role
            break
    if len(_TEXT_ROLES) >= 4096:
        _TEXT_ROLES.clear()
    _TEXT_ROLES[text] = found
    return found


def role_for(text: str, target: str) -> LinkRole:
    for role, rx in ROLE_BY_URL:
        if _fast(rx).search(target):
            return role
    found = _role_by_text(text or "")
    if found is not None:
        return found
    if _DETAILS_URL_F.search(target):
        return LinkRole.DETAILS
    return LinkRole.OTHER


@dataclass(frozen=True, slots=True)
class RawLink:
    text: str
    url: str


def plain_links(text: str) -> list[RawLink]:
    """URLs in plain text with their label: text before the URL on its line, else the line above."""
    out: list[RawLink] = []
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if "http" not in line:
            continue
        for m in _URL_IN_TEXT.finditer(line):
            url = m.group(0).rstrip(").,;>]")
            label = line[: m.start()].strip().rstrip(":").strip()
            j = i - 1
            while not label and j >= 0 and i - j <= 2:
                label = lines[j].strip().rstrip(":").strip()
                j -= 1
            out.append(RawLink(label, url))
    return out


def html_links(tree) -> list[RawLink]:  # noqa: ANN001 - selectolax tree
    out: list[RawLink] = []
    for a in tree.css("a[href]"):
        href = (a.attributes.get("href") or "").strip()
        if href.lower().startswith(("http://", "https://")):
            out.append(RawLink(a.text(strip=True), href))
    return out


@dataclass
class LinkResult:
    links: list[Link]
    off_amazon: list[str]  # targets of non-boilerplate links leaving Amazon


def action_links(raw: list[RawLink]) -> LinkResult:
    links: list[Link] = []
    off: list[str] = []
    seen: set[tuple[str, str]] = set()
    for rl in raw:
        url = rl.url.strip()
        if _BOILERPLATE_F.search(url):
            continue
        target = unwrap(url) if ("/nms/" in url or "safelinks" in url) else url
        try:
            parts = urlsplit(target)
            host = (parts.hostname or "").lower()
        except ValueError:
            parts, host = None, ""
        if target is not url and _BOILERPLATE_F.search(target):
            continue
        if not is_amazon_link_host(host):
            if not is_amazon_domain(host):
                off.append(host or target[:60])
            continue
        path = parts.path if parts is not None and "://" in target else target
        if path in ("", "/") and not (parts.query if parts is not None else ""):
            continue  # "Seller Central" home link
        role = role_for(rl.text, target)
        if role is LinkRole.OTHER:
            continue
        key = (str(role), target)
        if key in seen:
            continue
        seen.add(key)
        links.append(Link(role=role, url=url, target=target))
    return LinkResult(links, off)
