"""What state a return request is in, from Amazon's wording: authorised automatically,
waiting for the seller, closed by the buyer; in or out of Amazon's return policy."""

from __future__ import annotations

import re

from bot.core.domain import Kind

from .common import fold
from .fastre import FoldRx

_AUTO = re.compile(r"automati|automatic|automatisch|automaticamente|automaticamente", re.I)
_CLOSED_BY_BUYER = re.compile(
    r"annul[ée] sa demande de retour|demande de retour annul[ée]e|annul[ée]e? par l.acheteur|"
    r"(?:buyer|customer) (?:has )?(?:cancell?ed|withdrawn|closed) (?:the|their|his|her) return|"
    r"return request (?:was )?cancell?ed by the (?:buyer|customer)|"
    r"r[üu]cksendeantrag (?:wurde )?(?:vom k[äa]ufer )?(?:storniert|zur[üu]ckgezogen)|"
    r"hat (?:seinen|ihren|den) r[üu]cksendeantrag (?:storniert|zur[üu]ckgezogen)|"
    r"ha annullato (?:la sua|la) richiesta di reso|richiesta di reso annullata|"
    r"ha cancelado (?:su|la) solicitud de devoluci[óo]n|solicitud de devoluci[óo]n cancelada",
    re.I)
_CLOSED_BY_BUYER = FoldRx(_CLOSED_BY_BUYER)
_OUT_POLICY = re.compile(r"hors|outside|out of|au[ßs]erhalb|fuori|fuera|ausgenommen|exempt|"
                         r"exclu|esclus|exclu[ií]d|\bnon\b|\bnot\b|\bnicht\b|\bno\b|\bniet\b|"
                         r"\bpas\b|\bkein", re.I)
# Policy stated in a sentence of the older plain layouts ("This request is outside Amazon's
# return policy", "ne relève pas de la politique de retour d'Amazon").
_OUT_POLICY_SENTENCE = FoldRx(
    r"outside (?:of )?(?:amazon's |the )?return policy|not (?:covered by|eligible under) "
    r"(?:amazon's |the )?return policy|ne rel[eè]ve pas de la politique de retour|"
    r"hors (?:de la )?politique de retour|au[ßs]erhalb (?:der )?(?:r[üu]ckgaberichtlinie|"
    r"r[üu]ckgabebedingungen)|fuori dalla politica di reso|non (?:rientra|[èe] conforme)"
    r"[^.]{0,30}politica di reso|fuera de la pol[ií]tica de devoluci")
# Buyer closed/cancelled the request: a sentence with an actor, a past cancel verb and the
# return noun, in any order (Amazon rewords this one often).
_ACTOR = r"(?:buyer|customer|acheteur|client|k[äa]ufer|kunde|kundin|cliente|acquirente|comprador)"
_CANCELLED = (r"(?:cancell?ed|withdrawn|withdrew|closed|annul[ée]e?|retir[ée]e?|cl[ôo]tur[ée]e?|"
              r"geschlossen|chius[oa]|cerrad[oa]|storniert|"
              r"zur[üu]ckgezogen|annullat[oa]|ritirat[oa]|cancelad[oa]|retirad[oa]|anulad[oa])")
_RETURN_NOUN = (r"(?:return|retour|r[üu]cksend|r[üu]ckgabe|\breso\b|devoluci[óo]n)")


_ACTOR_RX = re.compile(_ACTOR, re.I)
_CANCELLED_RX = re.compile(r"\b" + _CANCELLED + r"\b", re.I)
_RETURN_NOUN_RX = re.compile(_RETURN_NOUN, re.I)
_BY_ACTOR = re.compile(r"\b(?:by|par|vom|von|dal|dall'|por|de la part)\s+(?:the |l'|le |la |el |dem |der )?"
                       + _ACTOR, re.I)
_CONDITIONAL = re.compile(r"\b(?:if|si|s'il|wenn|falls|se|cuando|qualora)\b", re.I)
_SENTENCE = re.compile(r"[^.!?\n]+")


def _closed_by_buyer(text: str) -> bool:
    """A sentence saying the buyer cancelled/closed/withdrew the return (any word order)."""
    if not _CANCELLED_RX.search(text):
        return False
    for m in _SENTENCE.finditer(text):
        sent = m.group(0)
        if len(sent) < 12 or not _CANCELLED_RX.search(sent):
            continue
        a, v = _ACTOR_RX.search(sent), _CANCELLED_RX.search(sent)
        if a is None or not _RETURN_NOUN_RX.search(sent) or _CONDITIONAL.search(sent):
            continue
        if a.start() < v.start() or _BY_ACTOR.search(sent):
            return True
    return False


# Status of the request, read before the subject: Amazon's own words for "already authorized"
# and "waiting for you" (folded text: no accents, lower case).
_AUTO_STATUS = FoldRx(
    r"autoris[ée]e?\s+automatiquement|automatiquement\s+autoris|accept[ée]e?\s+automatiquement|"
    r"approuv[ée]e?\s+automatiquement|autorisation\s+automatique|auto-?authori[sz]ed|auto-?approved|"
    r"automatic\s+authori[sz]ation|automatische\s+genehmigung|autorizzazione\s+automatica|"
    r"autorizaci[óo]n\s+autom[áa]tica|automatische\s+goedkeuring|automatiskt\s+godk[äa]nnande|"
    r"automatyczn[aey]\s+(?:autoryzacj|zatwierdzeni)|"
    r"automatically\s+(?:authori[sz]ed|approved|accepted)|(?:authori[sz]ed|approved)\s+automatically|"
    r"automatisch\s+(?:genehmigt|autorisiert|akzeptiert|freigegeben)|"
    r"(?:autorizzat[ao]|approvat[ao])\s+automaticamente|automaticamente\s+(?:autorizzat|approvat)|"
    r"autorizad[ao]\s+autom[áa]ticamente|aprobad[ao]\s+autom[áa]ticamente|"
    r"autom[áa]ticamente\s+(?:autorizad|aprobad)|automatisch\s+(?:goedgekeurd|geautoriseerd)|"
    r"automatiskt\s+(?:godk[äa]n|auktoriser)|automatycznie\s+(?:zatwierdz|autoryzowan|zaakceptowan)")
_PENDING_STATUS = FoldRx(
    r"en\s+attente\s+(?:de\s+(?:votre\s+|l'|)|d')autorisation|en\s+attente\s+de\s+votre\s+(?:d[ée]cision|approbation)|"
    r"n[ée]cessite\s+votre\s+autorisation|requiert\s+votre\s+autorisation|doit\s+[êe]tre\s+autoris[ée]e\s+par\s+vous|"
    r"(?:awaiting|pending|requires|needs)\s+(?:your\s+)?(?:authori[sz]ation|approval|decision)|"
    r"wartet\s+auf\s+ihre\s+(?:genehmigung|entscheidung)|erfordert\s+ihre\s+genehmigung|"
    r"ausstehende\s+genehmigung|genehmigung\s+ausstehend|"
    r"in\s+attesa\s+(?:della\s+tua|della\s+vostra|di)\s+(?:autorizzazione|approvazione)|"
    r"richiede\s+la\s+tua\s+autorizzazione|pendiente\s+de\s+(?:tu\s+|su\s+)?(?:autorizaci[óo]n|aprobaci[óo]n)|"
    r"requiere\s+(?:tu|su)\s+autorizaci[óo]n|wacht\s+op\s+(?:uw|je|jouw)\s+(?:goedkeuring|autorisatie)|"
    r"v[äa]ntar\s+p[åa]\s+ditt\s+godk[äa]nnande|oczekuje\s+na\s+(?:twoj[aą]\s+|)(?:autoryzacj|zatwierdzeni)")
# A bare status value (from the status field only, never from prose: "vous pouvez autoriser")
_AUTHORIZED_VALUE = FoldRx(r"^(?:autoris[ée]e?|approuv[ée]e?|authori[sz]ed|approved|genehmigt|"
                           r"autorizzat[oa]|approvat[oa]|autorizad[oa]|aprobad[oa]|goedgekeurd|"
                           r"geautoriseerd|godk[äa]nd|auktoriserad|zatwierdzon[ya]|autoryzowan[ya])\b")
_NEGATED = re.compile(r"(?:\bpas\b|\bnot\b|\bnicht\b|\bnon\b|\bno\b|\bniet\b|\binte\b|"
                      r"\bnie\b|\bjamais\b|\bnever\b)[^.\n]{0,25}$", re.I)


def _status_kind(status: str | None, text: str) -> Kind | None:
    """RETURN_AUTHORIZED / RETURN_REQUEST from the request's stated status, else None.
    The status field wins over prose; a pending phrase wins over an auto one; a negated
    'not authorized automatically' is pending."""
    for i, src in enumerate(((status or ""), text)):
        if not src:
            continue
        if _PENDING_STATUS.search(src):
            return Kind.RETURN_REQUEST
        m = _AUTO_STATUS.search(src)
        if m and not _NEGATED.search(src[max(0, m.start() - 40): m.start()]):
            return Kind.RETURN_AUTHORIZED
        if m:
            return Kind.RETURN_REQUEST
        if i == 0 and _AUTHORIZED_VALUE.search(src.strip()):
            return Kind.RETURN_AUTHORIZED
    return None


def policy_status(policy: str | None, text: str) -> str | None:
    """in_policy / out_of_policy from the policy field, else from a sentence of the older
    plain layouts; None when the mail does not say."""
    if policy:
        return "out_of_policy" if _OUT_POLICY.search(policy) else "in_policy"
    if policy is None and _OUT_POLICY_SENTENCE.search(text[:1200]):
        return "out_of_policy"
    return None


def return_kind(authorization_status: str | None, subject: str, text: str) -> Kind:
    """Closed by the buyer, else the stated status, else an 'automatic' authorisation value,
    else a request waiting for the seller."""
    head = subject + "\n" + text[:700]
    status_kind = _status_kind(authorization_status, text[:2500])
    if _CLOSED_BY_BUYER.search(head) or _closed_by_buyer(head):
        return Kind.RETURN_CLOSED_BY_BUYER
    if status_kind is not None:
        return status_kind
    if authorization_status and _AUTO.search(fold(authorization_status)):
        return Kind.RETURN_AUTHORIZED
    return Kind.RETURN_REQUEST
