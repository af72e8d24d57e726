"""Forwarded notifications: inline forwards (Gmail, Thunderbird, Outlook "TR:") and
message/rfc822 attachments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr

from .mime import decode_header_value, parse_loose_datetime

FWD_SUBJECT = re.compile(r"^\s*(?:fwd?|tr|wg|i|rv|enc|doorst|vs)\s*:", re.I)
_MARKER = re.compile(
    r"^[ \t>]*-{2,}\s*(?:forwarded message|message transf[ée]r[ée]|weitergeleitete nachricht|"
    r"messaggio inoltrato|mensaje reenviado|original message|message d'origine|"
    r"urspr[üu]ngliche nachricht|messaggio originale|mensaje original|forwarded message)\s*-{2,}"
    r"[ \t]*$", re.I | re.M)
_FROM = re.compile(r"^(?:from|de|von|da|van)\s*:\s*(.+)$", re.I)
_DATE = re.compile(r"^(?:date|envoy[ée]|sent|gesendet|datum|inviato|data|enviado|fecha)\s*:\s*(.+)$",
                   re.I)
_SUBJ = re.compile(r"^(?:subject|objet|sujet|betreff|oggetto|asunto|onderwerp)\s*:\s*(.+)$", re.I)
_OTHER = re.compile(r"^(?:to|[àa]|pour|an|para|cc|reply-to|r[ée]pondre [àa]|aan)\s*:", re.I)
_MAILTO = re.compile(r"\[mailto:([^\]]+)\]", re.I)


@dataclass
class Forwarded:
    from_name: str | None
    from_addr: str | None
    date: datetime | None
    subject: str
    body: str


def _addr(value: str) -> tuple[str | None, str | None]:
    value = decode_header_value(value)
    m = _MAILTO.search(value)
    if m:
        return value[: m.start()].strip().strip('"') or None, m.group(1).strip().lower()
    name, addr = parseaddr(value)
    addr = addr.lower().strip()
    return (name.strip() or None), (addr if "@" in addr else None)


def find_inline_forward(text: str, local_tz: str) -> Forwarded | None:
    """The first forwarded header block in `text` and the body after it."""
    lines = text.replace("\r\n", "\n").split("\n")
    start = None
    m = _MARKER.search(text)
    if m:
        start = text.count("\n", 0, m.end()) + 1
    else:  # Outlook: "De : ... / Envoyé : ..." without a marker line
        for i, line in enumerate(lines[:200]):
            s = line.lstrip("> ").strip()
            if _FROM.match(s) and any(_DATE.match(x.lstrip("> ").strip())
                                      for x in lines[i + 1: i + 4]):
                start = i
                break
    if start is None:
        return None
    fname = faddr = None
    date = None
    subject = ""
    i = start
    n = len(lines)
    seen_header = False
    while i < n and i - start < 15:
        s = lines[i].lstrip(">").strip()
        if not s:
            if seen_header:
                break
            i += 1
            continue
        if (mm := _FROM.match(s)):
            fname, faddr = _addr(mm.group(1))
            seen_header = True
        elif (mm := _DATE.match(s)):
            date = parse_loose_datetime(mm.group(1), local_tz)
            seen_header = True
        elif (mm := _SUBJ.match(s)):
            subject = decode_header_value(mm.group(1))
            seen_header = True
        elif _OTHER.match(s):
            seen_header = True
        elif seen_header:
            break
        i += 1
    if not seen_header:
        return None
    body_lines = lines[i:]
    quoted = [ln for ln in body_lines if ln.strip()]
    if quoted and all(ln.lstrip().startswith(">") for ln in quoted):
        body_lines = [re.sub(r"^\s*> ?", "", ln) for ln in body_lines]
    return Forwarded(fname, faddr, date, subject, "\n".join(body_lines).strip())
