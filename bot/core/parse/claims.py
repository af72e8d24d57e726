"""A-to-Z guarantee claims: filed, information requested, decided, appeal decided."""

from __future__ import annotations

import re

from bot.core.domain import Kind, Notice

from .common import find_order_id
from .context import Ctx
from .fastre import FoldRx
from .links import RawLink
from .mime import find_money

_INFO_SUBJECT = re.compile(
    r"action requise|action required|informations? (?:demand[ée]es|requises|compl[ée]mentaires)|"
    r"information (?:requested|required|needed)|handlungsbedarf|aktion erforderlich|"
    r"informationen (?:angefordert|erforderlich|ben[öo]tigt)|azione richiesta|"
    r"richiesta di informazioni|informazioni richieste|acci[óo]n requerida|se requiere|"
    r"informaci[óo]n (?:solicitada|requerida|adicional)|actie vereist|informatie (?:gevraagd|nodig)|"
    r"[åa]tg[äa]rd kr[äa]vs|information (?:beg[äa]rd|kr[äa]vs)|wymagane dzia[łl]anie|"
    r"pro[śs]ba o informacje", re.I)
_NO_ACTION = re.compile(
    r"aucune action n.est (?:n[ée]cessaire|requise)|no action is (?:required|needed)|"
    r"you don.t need to (?:do anything|take any action)|keine (?:aktion|ma[ßs]nahme|handlung) "
    r"(?:ist )?erforderlich|m[üu]ssen (?:derzeit )?nichts (?:tun|unternehmen)|"
    r"nessuna azione (?:[èe] )?(?:richiesta|necessaria)|non [èe] (?:richiesta|necessaria) "
    r"alcuna azione|no es necesario que (?:realices|realice|hagas|haga)|no se requiere ninguna acci|"
    r"geen actie (?:vereist|nodig)|ingen [åa]tg[äa]rd kr[äa]vs|nie jest wymagane [żz]adne dzia",
    re.I)
_INFO_BODY = re.compile(
    r"(?<!si )(?<!if )(?:nous avons besoin d.informations|merci de nous communiquer|"
    r"we need (?:additional |more |some )?information|please provide|"
    r"wir ben[öo]tigen (?:weitere |zus[äa]tzliche )?informationen|bitte (?:teilen|senden) sie uns|"
    r"abbiamo bisogno di (?:ulteriori |altre )?informazioni|ti preghiamo di fornir|"
    r"necesitamos (?:m[áa]s |informaci[óo]n adicional|informaci[óo]n)|proporci[óo]nanos|"
    r"we hebben (?:aanvullende |meer )?informatie nodig|vi beh[öo]ver (?:ytterligare |mer )?"
    r"information|potrzebujemy (?:dodatkowych |wi[ęe]cej )?informacji)", re.I)
_APPEAL = re.compile(
    r"\bappel\b|\bappeal\b|einspruch|widerspruch|ricorso|appello|apelaci[óo]n|recurso", re.I)
_APPEAL_REVERSED = re.compile(
    r"annul[ée] notre d[ée]cision|infirm|revers|overturn|recr[ée]dit|rembours[ée] sur votre compte|"
    r"aufgehoben|r[üu]ckg[äa]ngig|gutgeschrieben|annullato la nostra decisione|riaccredit|"
    r"revocado|anulado nuestra decisi|reembolsar[áa]? (?:en|a) tu cuenta|abonar", re.I)
_APPEAL_DENIED = re.compile(
    r"maint(?:enu|enons)|confirm[ée]|upheld|uphold|bleibt bestehen|best[äa]tigt|"
    r"confermat|mantenemos|mantenida|confirmad|rejet[ée]|denied|abgelehnt|respint|rechazad|"
    r"remains? unchanged|stands\b|reste inchang|demeure inchang|bleibt unver[äa]ndert|"
    r"rimane invariat|resta invariat|se mantiene|sigue vigente|will not be reimbursed|"
    r"ne sera pas rembours|wird nicht erstattet|non verr[àa] rimborsat|no se reembolsar", re.I)
_DENIED = re.compile(
    r"refus[ée] la r[ée]clamation|r[ée]clamation (?:a [ée]t[ée] )?refus[ée]e|rejet[ée]|"
    r"(?:denied|rejected|declined) the claim|claim (?:has been |was )?(?:denied|rejected|declined)|"
    r"in your favou?r|en votre faveur|abgelehnt|zu ihren gunsten|respint|a tuo favore|"
    r"a (?:tu|su) favor|denegad|rechazad|"
    # "not responsible" / "nothing will be debited" (the decision without the word "denied")
    r"(?:are|were) not responsible|n.[êe]tes pas responsable|nicht verantwortlich|"
    r"non sei responsabile|no eres responsable|no amount will be (?:debited|charged|deducted)|"
    r"aucun montant ne sera d[ée]bit|kein betrag wird|nessun importo (?:verr[àa]|sar[àa]) addebitat|"
    r"no se (?:te )?cargar[áa] ning[úu]n importe", re.I)
_GRANTED = re.compile(
    r"accord[ée] au client|accord[ée] la r[ée]clamation|en faveur du client|"
    r"(?:granted|approved) (?:the )?claim|claim (?:has been |was )?(?:granted|approved)|"
    r"in favou?r of the (?:buyer|customer)|zugunsten des k[äa]ufers|stattgegeben|"
    r"a favore del cliente|accolto|concedid|a favor del cliente|"
    r"accord[ée]e? [àa] l.acheteur|en faveur de l.acheteur|in favou?r of the (?:buyer|customer)|"
    r"a favore dell.acquirente|a favor del comprador|zugunsten des kunden|"
    # the amount has been taken from the seller (past tense: info mails warn in the future)
    r"(?:a|ont) [ée]t[ée] d[ée]bit[ée]|(?:has|have) been (?:debited|charged|deducted)|"
    r"wurde[^.]{0,60}belastet|(?:[èe] stato|sono stati) addebitat|"
    r"se (?:ha|han) (?:cargado|deducido|debitado)", re.I)
_WITHDRAWN = re.compile(r"retir[ée]e? (?:par|sa)|withdr[ae]wn?|zur[üu]ckgezogen|ritirat|retirad",
                        re.I)
_WINDOW_DAYS = re.compile(
    r"(\d{1,2})\s*(?:jours?(?: calendaires)?|(?:calendar )?days?|kalendertage[n]?|tage[n]?|"
    r"giorni(?: di calendario| solari)?|d[íi]as(?: naturales| calendario)?)", re.I)
_WINDOW_HOURS = re.compile(r"(\d{1,3})\s*(?:heures|hours?|stunden|ore|horas)\b", re.I)
_RESPOND_CTX = re.compile(
    r"r[ée]pondre|respond|reply|antworten|rispondere|risposta|responder|respuesta", re.I)
_CLAIM_REASON = re.compile(
    r"(?:motif indiqu[ée] par le client|motif|reason given by the (?:buyer|customer)|reason|"
    r"vom k[äa]ufer angegebener grund|grund|motivo indicato dal cliente|motivo)\s*:\s*"
    r"([^;)\n.]+)", re.I)
_CLAIM_ID = re.compile(r"(?:claim id|identifiant de (?:la )?r[ée]clamation|"
                       r"anspruchs?-?id|id (?:del )?reclamo|id de (?:la )?reclamaci[óo]n)"
                       r"\s*:?\s*([A-Za-z0-9-]{6,})", re.I)
_WHY = re.compile(r"(?:pourquoi cette d[ée]cision|why (?:did we|this decision)|"
                  r"warum diese entscheidung|perch[ée] questa decisione|"
                  r"por qu[ée] (?:esta|hemos tomado esta) decisi[óo]n)\s*\??\s*\n?(.+)", re.I)


# Same patterns, faster IGNORECASE search (identical matches, see fastre).
_INFO_SUBJECT, _NO_ACTION, _INFO_BODY, _APPEAL, _APPEAL_REVERSED, _APPEAL_DENIED, _DENIED, \
    _GRANTED, _WITHDRAWN, _RESPOND_CTX, _CLAIM_REASON, _CLAIM_ID, _WHY = map(FoldRx, (
        _INFO_SUBJECT, _NO_ACTION, _INFO_BODY, _APPEAL, _APPEAL_REVERSED, _APPEAL_DENIED, _DENIED,
        _GRANTED, _WITHDRAWN, _RESPOND_CTX, _CLAIM_REASON, _CLAIM_ID, _WHY))
_YOUR_APPEAL = FoldRx(r"votre appel|your appeal|ihr(?:en)? (?:einspruch|widerspruch)|"
                      r"(?:tuo|vostro) ricorso|(?:tu|su) apelaci[óo]n|r[ée]sultat de votre appel")
_PAREN = re.compile(r"\(([^()]{4,120})\)")


_RESPOND_WORD = FoldRx(r"r[ée]pon|respon|reply|antwort|rispo|r[üu]ckmeld|fournir|provide|"
                      r"fornir|proporcion|bereitstell|communiquer|mitteil")
_NOT_THE_WINDOW = FoldRx(r"\bappel|appeal|einspruch|widerspruch|ricorso|apelaci|recurso|"
                         r"jusqu'[àa]|up to|bis zu|fino a|hasta|il y a|\bago\b|\bvor\b|\bfa\b|hace")
_SENTENCES = re.compile(r"[^.!?\n]+(?:[.!?\n]|$)")


def response_window_hours(text: str) -> int | None:
    """The stated answer window: '3 jours calendaires' -> 72, '72 heures' -> 72, read from the
    first sentence that asks for an answer (respond word before or after the number) and is
    not about an appeal or a past event."""
    for sm in _SENTENCES.finditer(text):
        sent = sm.group(0)
        if not any(c.isdigit() for c in sent) or not _RESPOND_WORD.search(sent) or \
                _NOT_THE_WINDOW.search(sent):
            continue
        d = _WINDOW_DAYS.search(sent)
        hh = _WINDOW_HOURS.search(sent)
        if d and (hh is None or d.start() < hh.start()):
            return int(d.group(1)) * 24
        if hh:
            return int(hh.group(1))
    return None


_CLAIM_WANT = ("order_id", "claim_id", "claim_reason", "amount")


def _body(ctx: Ctx) -> str:
    return ctx.text


def parse_claim(ctx: Ctx, n: Notice, closing: bool | None) -> None:
    """closing: True for A_Z_CLAIM_RESPONDENT_CLOSE, False for _NOTIFY, None unknown."""
    text = _body(ctx)
    subject = ctx.subject
    n.order_id = find_order_id(subject, text)
    n.amount = find_money(text) or find_money(subject)
    m = _CLAIM_ID.search(text)
    n.claim_id = m.group(1) if m else None
    m = _CLAIM_REASON.search(text)
    n.reason = m.group(1).strip() if m else None
    fx = ctx.facts(_CLAIM_WANT, [RawLink("", link.target) for link in n.links])
    n.order_id = n.order_id or fx.get("order_id")  # type: ignore[assignment]
    n.claim_id = fx.get("claim_id") or n.claim_id  # type: ignore[assignment]
    if fx.values.get("claim_reason"):
        n.reason = fx.values["claim_reason"]  # type: ignore[assignment]
    if fx.values.get("amount"):
        n.amount = fx.values["amount"]  # type: ignore[assignment]
    decided = closing
    if decided is None:
        decided = bool(_DENIED.search(text) or _GRANTED.search(text)) and not _INFO_SUBJECT.search(
            subject)
    if decided:
        head = subject + "\n" + text[:800]
        if _YOUR_APPEAL.search(head) or _APPEAL.search(subject):
            n.kind = Kind.CLAIM_APPEAL_DECIDED
            n.decision = ("appeal_granted_reversed" if _APPEAL_REVERSED.search(text)
                          else "appeal_denied" if _APPEAL_DENIED.search(text) else None)
            m = _PAREN.search(text)
            if not n.reason and m:
                n.reason = m.group(1).strip()
            n.layout = "claim_appeal_decided"
        else:
            n.kind = Kind.CLAIM_DECIDED
            if _WITHDRAWN.search(text[:1500]) and not _GRANTED.search(text[:1500]):
                n.decision = "withdrawn"
            elif _GRANTED.search(text) and not _DENIED.search(text[:400]):
                n.decision = "granted_to_buyer"
            elif _DENIED.search(text):
                n.decision = "denied"
            if not n.reason:
                m = _WHY.search(text)
                if m:
                    n.reason = m.group(1).strip()
            n.layout = "claim_decided"
        n.reason_normalized = None
        return
    info = bool(_INFO_SUBJECT.search(subject))
    if not info and not _NO_ACTION.search(text):
        info = bool(_INFO_BODY.search(text)) or any(
            str(link.role) == "respond" for link in n.links)
    if info:
        n.kind = Kind.CLAIM_INFO_REQUESTED
        stated = response_window_hours(text)
        n.deadline_hours = stated or 72
        n.deadline_source = "mail" if stated else None
        n.layout = "claim_info_requested"
    else:
        n.kind = Kind.CLAIM_FILED
        n.layout = "claim_filed"
    n.reason_normalized = None
