"""Why sellerbot did (or did not) act on a case, and an evidence bundle for claim answers.

`explain_case` (timeline.py) turns the stored record — decision events ("rule <name>: <why>"),
state transitions, reminders, outbox effects, the uncertain flag and the order facts — into
plain English lines. `export_evidence` (evidence.py) writes a zip with that timeline
(`summary.txt`), the same data as JSON (`summary.json`) and every raw email that is available.

sellerbot does not keep processed mail: only quarantined messages are stored raw. So the zip
holds the raw .eml of a case's messages only when `raw_dir_lookup` finds them (a folder of
.eml files exported from the mailbox, or a function), plus quarantined messages that mention
the order id and the emails sellerbot itself sent about the case (kept in the outbox); every
other message is listed by Message-ID, and the summary says so.
"""

from __future__ import annotations

from bot.app.explain.evidence import RawLookup, eml_folder_lookup, export_evidence
from bot.app.explain.timeline import REMINDER_STATUS, RULE_MEANING, explain_case

__all__ = ["REMINDER_STATUS", "RULE_MEANING", "RawLookup", "eml_folder_lookup", "explain_case",
           "export_evidence"]
