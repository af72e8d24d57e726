"""`sellerbot health` and the digest's account-health section: the store's records handed
to the pure `bot.core.health` (late shipments, valid tracking, 24 h answers, claims)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from bot.core.health import health_report
from bot.edges.store import Store, iso

LABELS = {"late_shipment": "late shipment rate", "valid_tracking": "valid tracking rate",
          "response_24h": "buyer messages answered within 24 h",
          "order_defect": "lost claims / orders (Order Defect Rate, claims only)"}


def store_health(store: Store, now: datetime, tz: str, windows: tuple[int, ...] = (7, 30)
                 ) -> dict[str, Any]:
    """Orders, message and claim cases of the widest window (+ a day for time zones)."""
    since = iso(now - timedelta(days=max(windows) + 1))
    orders = [{"order_id": r[0], "marketplace": r[1], "data": json.loads(r[2] or "{}")}
              for r in store.db.execute(
                  "select order_id, marketplace, data from orders where "
                  "json_extract(data, '$.ship_by') >= ?1 or json_extract(data, '$.ordered_at') "
                  ">= ?1 or json_extract(data, '$.ship_date') >= substr(?1, 1, 10) or "
                  "json_extract(data, '$.shipped_at') >= ?1", [since])]
    cases = store.cases_where("kind in ('message', 'claim') and opened_at >= ?", [since])
    events = {c["id"]: store.events(c["id"]) for c in cases if c["kind"] == "message"}
    return health_report(orders, cases, events, now, tz, windows)


def health_lines(report: dict[str, Any]) -> list[str]:
    """The text `sellerbot health` prints: one block per window, warnings last."""
    out: list[str] = []
    for window in report["windows"]:
        out.append(f"last {window['days']} days: {window['orders']} order(s) placed, "
                   f"{len(window['claims_open'])} open claim(s), "
                   f"{len(window['claims_lost'])} lost claim(s)")
        for fig in window["figures"]:
            value = "n/a" if fig["value"] is None else f"{fig['value'] * 100:.1f} %"
            sign = "<" if fig["target_kind"] == "max" else ">"
            flag = {"crossed": "  TARGET CROSSED", "near": "  near the target"}.get(
                fig["warning"] or "", "")
            shown = fig["count"] if fig["target_kind"] == "max" else fig["of"] - fig["count"]
            out.append(f"  {LABELS[fig['metric']]}: {value} (target {sign} "
                       f"{fig['target'] * 100:g} %; {shown} of {fig['of']}){flag}")
            if fig["warning"] and fig["names"]:
                out.append(f"    because of: {', '.join(fig['names'])}")
    return out


def digest_health(store: Store, now: datetime, tz: str) -> dict[str, Any] | None:
    """The digest's section: only when sellerbot has counted something (a returns-only
    seller with no order data gets no empty section)."""
    report = store_health(store, now, tz)
    counted = any(f["of"] for w in report["windows"] for f in w["figures"]) or any(
        w["claims_open"] or w["claims_lost"] for w in report["windows"])
    return report if counted else None
