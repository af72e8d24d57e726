"""Seller replies to sellerbot: unquoted text -> commands."""

from __future__ import annotations

import re

from bot.core.domain import Kind, Notice

from .common import find_order_id
from .context import Ctx

_ATTRIBUTION = re.compile(
    r"^(?:le .{0,80}a [ée]crit\s*:|on .{0,120}wrote\s*:|am .{0,80}schrieb .{0,80}:|"
    r"il giorno .{0,80}ha scritto\s*:|el .{0,80}escribi[óo]\s*:|.{0,80} a [ée]crit\s*:|"
    r"-{2,}\s*(?:original message|message d'origine|urspr[üu]ngliche nachricht|"
    r"messaggio originale|mensaje original|forwarded message|message transf[ée]r[ée])\s*-{2,}|"
    r"_{5,}|(?:de|from|von|da)\s*:\s*.+)$", re.I)
_OUTLOOK_BLOCK = re.compile(
    r"^(?:envoy[ée]|sent|gesendet|inviato|enviado)\s*:\s*", re.I)
_SIG = re.compile(r"^(?:--\s*|—\s*|envoy[ée] de mon|sent from my|von meinem|inviato da|enviado desde)",
                  re.I)
_MARKETPLACE_IN_TEXT = re.compile(
    r"\bamazon\.(co\.uk|com\.be|com\.mx|com\.au|co\.jp|com\.tr|com\.br|fr|de|it|es|nl|pl|se|ca|"
    r"com)\b", re.I)


def own_strip(text: str) -> str:
    """Careful fallback: cut at the first quote line or attribution/Outlook header block."""
    out = []
    lines = text.replace("\r\n", "\n").split("\n")
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith(">"):
            break
        if _ATTRIBUTION.match(s):
            # "De : ..." only counts when an Outlook "Envoyé :" line follows soon
            if re.match(r"^(?:de|from|von|da)\s*:", s, re.I) and not any(
                    _OUTLOOK_BLOCK.match(x.strip()) for x in lines[i + 1: i + 4]):
                out.append(line)
                continue
            break
        if _SIG.match(s):
            break
        out.append(line)
    return "\n".join(out).strip()


def unquote_reply(text: str) -> str:
    stripped = None
    try:
        from mailparser_reply import (
            EmailReplyParser,  # local: only seller replies need it
        )

        reply = EmailReplyParser(languages=["fr", "en", "de", "it", "es"]).read(text=text)
        stripped = (reply.latest_reply or "").strip()
    except Exception:  # noqa: BLE001 - library trouble: use our own stripper
        stripped = None
    own = own_strip(text)
    if stripped is None:
        return own
    # the library sometimes misses French attributions / Outlook blocks: take the shorter
    return own if own and len(own) < len(stripped) else stripped


def unquoted_lines(text: str) -> str:
    """Every line the seller wrote, whatever the posting style: above the quote, below it
    (bottom-posting) or between quoted lines (interleaved). '>' lines and the attribution
    line introducing them are skipped; a quote without '>' (Outlook header block, HTML
    blockquote flattened) cannot be told from the seller's text, so it ends the reply."""
    lines = text.replace("\r\n", "\n").split("\n")
    out: list[str] = []
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith(">"):
            continue
        if _SIG.match(s):
            break
        if _ATTRIBUTION.match(s):
            if re.match(r"^(?:de|from|von|da)\s*:", s, re.I) and not any(
                    _OUTLOOK_BLOCK.match(x.strip()) for x in lines[i + 1: i + 4]):
                out.append(line)
                continue
            nxt = next((x.strip() for x in lines[i + 1:] if x.strip()), "")
            if nxt.startswith(">"):
                continue  # attribution of a '>' quote: the seller may write below it
            break
        out.append(line)
    return "\n".join(out).strip()


def parse_seller_command(ctx: Ctx, n: Notice) -> None:
    from bot.core.commands import parse_commands  # another module, imported lazily

    n.kind = Kind.SELLER_COMMAND
    text = ctx.bodies.plain or ctx.text
    reply = unquote_reply(text)
    n.reply_text = reply
    commands, errors = parse_commands(reply)
    everywhere = unquoted_lines(text)
    if everywhere != reply:
        more, more_errors = parse_commands(everywhere)
        if len(more) > len(commands):  # bottom-posted or interleaved commands
            reply, commands, errors = everywhere, more, more_errors
            n.reply_text = reply
    n.commands = list(commands)
    n.command_errors = list(errors)
    n.order_id = find_order_id(ctx.subject, reply) or find_order_id(ctx.subject, "")
    if not n.order_id:
        m = re.search(r"\d{3}-\d{7}-\d{7}", text)
        n.order_id = m.group(0) if m else None
    m = _MARKETPLACE_IN_TEXT.search(ctx.subject + "\n" + text)
    if m and not n.marketplace:
        n.marketplace = "amazon." + m.group(1).lower()
    n.layout = "seller_command"
