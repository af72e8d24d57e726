"""The flows: one object per step after parsing (cases, replies, answers, shipments, reminders,
digest, seller mail, outbox), each built with the store, clock and renderer it uses."""
