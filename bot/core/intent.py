"""Buyer messages that lead to A-to-Z claims: a refund asked, a return wanted, a parcel that
did not arrive (fr, en, de, it, es). Pure: the buyer's words in, risk codes out.

Amazon's advice for each (domain.md, "Preventing claims"): answer within 24 h; refund when the
buyer asks and it is justified; ask a buyer who wants to return the item to file a return
request (then Amazon's return flow and its clocks apply); check the tracking of a parcel said
not to have arrived. The seller's notice names the risk and the advice; nothing is sent.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["RISKS", "claim_risks"]

RISKS = ("not_received", "refund", "return")


def _fold(text: str) -> str:
    base = "".join(c for c in unicodedata.normalize("NFD", text)
                   if not unicodedata.combining(c))
    return re.sub(r"[’'`]", "'", base.lower())


_PATTERNS: dict[str, re.Pattern[str]] = {
    "not_received": re.compile(
        r"(?:pas|jamais|toujours pas|rien) (?:encore )?(?:re[cç]u|arrive|livre)"
        r"|n'(?:ai|est|a) (?:toujours )?(?:pas|jamais|rien) (?:encore )?(?:re[cç]u|arrive|ete livre)"
        r"|ou (?:est|en est) (?:mon|ma|le|la) (?:colis|commande|paquet)|colis (?:perdu|egare)"
        r"|not (?:yet )?(?:received|arrived|delivered)|(?:haven't|hasn't|didn't|did not|have not"
        r"|has not|never) (?:yet )?(?:received|arrived|got|been delivered|receive|arrive)"
        r"|where is my (?:order|parcel|package)|lost (?:parcel|package)"
        r"|nicht (?:erhalten|angekommen|bekommen|geliefert|zugestellt)|noch nicht da"
        r"|wo (?:ist|bleibt) (?:mein|meine)|paket (?:ist )?verloren"
        r"|non (?:ho|abbiamo) (?:ancora )?ricevuto|non (?:e|mi e) (?:ancora )?(?:arrivat|stat)"
        r"|mai arrivat|dov'e (?:il mio|la mia)|pacco (?:perso|smarrito)"
        r"|no (?:he|hemos) recibido|no (?:me )?ha (?:llegado|sido entregad)|nunca (?:llego|recibi)"
        r"|donde esta mi|paquete perdido|no lo (?:tengo|he recibido)"
        r"|(?:says|marked as) delivered but|indique livre mais|als zugestellt.{0,20}aber"),
    "refund": re.compile(
        r"rembours|\brefund|money back|my money|erstatt|ruckerstattung|geld zuruck"
        r"|rimbors|reembols|devolucion del dinero|devuelvan el dinero|me devuelvan mi dinero"),
    "return": re.compile(
        r"\bretourne(?:r|rai|rais)?\b|\brenvoyer\b|\bfaire un retour|\bretour (?:de|du|d'un)"
        r"|\breturn (?:it|the|this)\b|\bsend (?:it|them) back|\bwant to return|\breturn label"
        r"|zurucksenden|zuruckschicken|rucksendung|\bretoure"
        r"|\brestituire|\brendere (?:il|l'|questo)|\bfare (?:il|un) reso|\breso\b"
        r"|\bdevolver|\bdevolucion\b(?! del dinero)"),
}


def claim_risks(text: str | None) -> list[str]:
    """The claim risks a buyer's message shows, in RISKS order ([] for none)."""
    if not text:
        return []
    folded = _fold(text)
    return [risk for risk in RISKS if _PATTERNS[risk].search(folded)]
