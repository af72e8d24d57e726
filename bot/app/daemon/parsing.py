"""Parse workers on every core: each mail within its time budget, or its worker is killed."""

from __future__ import annotations

import logging
import os

from bot.app.service import Service
from bot.core.domain import Kind, Notice
from bot.edges.workers import OverBudget, WorkerPool

log = logging.getLogger("sellerbot.daemon")

#: What a parse worker runs (bot.edges.workers names it, it does not import the core).
PARSE_TARGET = "bot.core.parse:parse_message"


def _bounded(result: Notice | OverBudget) -> Notice:
    """A mail that exceeded its parse budget is quarantined as too_complex, with the reason."""
    if isinstance(result, OverBudget):
        return Notice(kind=Kind.UNRECOGNIZED, error=f"too_complex: {result.reason}")
    return result


class BoundedParser:
    """The daemon's parse workers, started at the first mail and kept until close()."""

    def __init__(self) -> None:
        self._pool: WorkerPool | None = None
        self._broken = False  # workers could not start: parse in the daemon from now on

    def parse_all(self, service: Service, raws: list[bytes]) -> list[Notice]:
        """Parse on every core, each mail within `bot.parse_budget_seconds` of wall time
        (enforced outside the parser: a worker past it is killed). If workers cannot be
        started at all, parse here (still under the HTML caps) and say so."""
        if not raws:
            return []
        if not self._broken:
            if self._pool is None:
                self._pool = WorkerPool(PARSE_TARGET, os.cpu_count() or 1,
                                        service.settings.bot.parse_budget_seconds)
            try:
                return [_bounded(r) for r in self._pool.map(raws, service.parse_options())]
            except OSError as exc:
                self._broken = True
                log.error("cannot start parse workers (%s): parsing in the daemon, without a "
                          "time budget", exc)
        return [service.parse(raw) for raw in raws]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
