"""Return requests (SPACE table layout and older plain layout), auto-authorised returns,
returns cancelled by the buyer, refunds, and buyer cancellation requests."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from bot.core.domain import Item, Kind, Link, Notice

from .common import clean_value, field, find_order_id, normalize_reason, rx
from .context import Ctx
from .facts import prose_qty
from .links import RawLink
from .money import find_money
from .return_items import COMMENT, REASON, merge_items, pipe_items, table_items, text_items
from .return_status import policy_status, return_kind

# Labels of the notice's own fields (folded: lower case, no accents); the item columns are in
# return_items.
CANCEL_REASON = rx(r"^(?:motif (?:de l'|d')annulation|reason for cancell?ation|"
                   r"cancell?ation reason|stornierungsgrund|grund der stornierung|"
                   r"motivo (?:della|dell')(?:cancellazione|annullamento)|"
                   r"motivo de (?:la )?cancelacion)")
RMA = rx(r"\brma\b|numero d'autorisation|authori[sz]ation number|genehmigungsnummer|"
         r"numero di autorizzazione|numero de autorizacion")
RRID = rx(r"return request id|identifiant de (?:la )?demande|id de la demande|"
          r"rucksendeantrags-?id|id (?:della )?richiesta|id de (?:la )?solicitud")
POLICY = rx(r"politique de retour|return policy|ruckgabebedingungen|ruckgaberichtlinie|"
            r"politica (?:di reso|de devolucion)|verifica|comprobacion")
AUTH = rx(r"^(?:autorisation|authori[sz]ation|genehmigung|autorizzazione|autorizacion)$")
CARRIER = rx(r"transporteur|carrier|versand(?:dienst|unternehmen)|spediteur|corriere|transportista")
TRACKING = rx(r"numero de suivi|tracking|sendungsnummer|sendungsverfolgung|tracciamento|"
              r"tracking number|numero di (?:tracking|spedizione)|(?:numero de )?seguimiento")
REFUND_TOTAL = rx(r"total|montant (?:du |total du )?rembours|refund(?:ed)? amount|amount refunded|"
                  r"erstattungsbetrag|erstatteter betrag|importo (?:del )?rimborso|importo rimborsato|"
                  r"importe (?:del )?reembolso|importe reembolsado")


def _param(links: list[Link], name: str) -> str | None:
    lname = name.lower()
    for link in links:
        try:
            query = urlsplit(link.target).query
            if "%" not in query and lname not in query.lower():
                continue  # no key can decode to `name`
            q = parse_qs(query)
        except ValueError:
            continue
        for k, v in q.items():
            if k.lower() == name.lower() and v:
                return v[0]
    return None


_RETURN_WANT = ("order_id", "rma_id", "return_request_id", "reason", "comment", "status",
                "title", "asin", "sku", "qty", "price")


def _targets(n: Notice) -> list[RawLink]:
    """The action links, already unwrapped, as link-parameter sources."""
    return [RawLink("", link.target) for link in n.links]


def parse_return(ctx: Ctx, n: Notice) -> None:
    """Layout-specific tables first for items (their columns are unambiguous), then facts
    read by meaning, then the older label-line reading for what is still missing."""
    f = ctx.fields
    fx = ctx.facts(_RETURN_WANT, _targets(n))
    n.order_id = find_order_id(ctx.subject, ctx.text) or fx.get("order_id")  # type: ignore[assignment]
    items, extra = table_items(ctx)
    if not items:
        items, extra = pipe_items(ctx.text)
    reason = comment = None
    if items:
        reason, comment = extra[0]
        items = merge_items(items, fx.items)
    elif fx.items:
        items = merge_items(fx.items, text_items(ctx))
    else:
        items = text_items(ctx)
    n.items = items
    n.reason = reason or fx.get("reason") or clean_value(field(f, REASON))  # type: ignore[assignment]
    n.reason_normalized = normalize_reason(n.reason)
    n.customer_comment = comment or fx.get("comment") or \
        clean_value(field(f, COMMENT))  # type: ignore[assignment]
    n.rma_id = fx.values.get("rma_id") or clean_value(field(f, RMA)) or \
        _param(n.links, "rmaId")  # type: ignore[assignment]
    n.return_request_id = fx.values.get("return_request_id") or clean_value(field(f, RRID)) or \
        _param(n.links, "returnRequestId")  # type: ignore[assignment]
    policy = field(f, POLICY)
    if policy:
        n.policy_remark = clean_value(policy)
    n.authorization_status = fx.get("status") or clean_value(field(f, AUTH))  # type: ignore[assignment]
    carrier, number = field(f, CARRIER), field(f, TRACKING)
    if carrier or number:
        n.tracking = {"carrier": clean_value(carrier) or "", "number": clean_value(number) or ""}
    if len(n.items) == 1 and n.items[0].qty is None:
        q = prose_qty(ctx.text[:1500])
        if q:
            it = n.items[0]
            n.items = [Item(title=it.title, asin=it.asin, sku=it.sku, qty=q, price=it.price)]
    stated_policy = policy_status(policy, ctx.text)
    if stated_policy is not None:
        n.policy_status = stated_policy
    n.kind = return_kind(n.authorization_status, ctx.subject, ctx.text)
    n.layout = "return_space_table" if extra else "return_plain"


_REFUND_WANT = ("order_id", "reason", "title", "asin", "sku", "qty", "price")


def parse_refund(ctx: Ctx, n: Notice) -> None:
    n.kind = Kind.REFUND_ISSUED
    n.order_id = find_order_id(ctx.subject, ctx.text)
    total = field(ctx.fields, REFUND_TOTAL)
    n.amount = (find_money(total) if total else None) or find_money(ctx.text) or \
        find_money(ctx.subject)
    items, _ = table_items(ctx)
    n.items = items or text_items(ctx)
    n.reason = clean_value(field(ctx.fields, REASON))
    fx = ctx.facts(_REFUND_WANT, _targets(n))
    n.order_id = n.order_id or fx.get("order_id")  # type: ignore[assignment]
    n.items = merge_items(n.items, fx.items)
    n.reason = n.reason or fx.get("reason")  # type: ignore[assignment]
    n.reason_normalized = normalize_reason(n.reason)
    n.layout = "refund"


def parse_cancellation(ctx: Ctx, n: Notice) -> None:
    n.kind = Kind.CANCELLATION_REQUEST
    n.order_id = find_order_id(ctx.subject, ctx.text)
    items, _ = table_items(ctx)
    n.items = items or text_items(ctx)
    n.reason = clean_value(field(ctx.fields, CANCEL_REASON, REASON))
    fx = ctx.facts(_REFUND_WANT, _targets(n))
    n.order_id = n.order_id or fx.get("order_id")  # type: ignore[assignment]
    n.items = merge_items(n.items, fx.items)
    n.reason = n.reason or fx.get("reason")  # type: ignore[assignment]
    n.reason_normalized = normalize_reason(n.reason)
    n.layout = "cancellation_request"
