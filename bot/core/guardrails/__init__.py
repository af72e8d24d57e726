"""Guardrail for messages to buyers (through Amazon's relay). Pure: text in, violations out.

Amazon's buyer–seller messaging rules forbid links outside Amazon, asking for a review or
feedback, marketing, and the seller's personal contact details; attachments are limited to
10 MB. A message that breaks one is not sent: `check_buyer_message` returns the reasons (in
French and English, for the seller) and the service tells the seller instead of queueing it.

Everything is table-driven (one list of patterns per rule and language) and tuned to avoid
false positives on what sellers legitimately write: Amazon order ids (405-1234567-7654321),
RMA numbers, tracking numbers, postal codes, prices, dates, a carrier's "avis de passage",
"à mon avis", "thank you for your feedback", a German "Gutschrift" (credit) …
"""

from __future__ import annotations

from bot.core.guardrails.check import MAX_ATTACHMENT_BYTES, Violation, check_buyer_message
from bot.core.guardrails.hosts import AMAZON_TLDS, host_allowed, is_amazon_host
from bot.core.guardrails.patterns import (
    BARE_DOMAIN_RX, BARE_TLDS, CONTACT_APP_PATTERNS, EMAIL_RX, MARKETING_PATTERNS, NUMBER_CUES,
    OBFUSCATED_EMAIL_RX, ORDER_ID_RX, PHONE_CUES, PHONE_PATTERNS, REVIEW_PATTERNS, RMA_RX, URL_RX,
)

__all__ = [
    "AMAZON_TLDS", "BARE_DOMAIN_RX", "BARE_TLDS", "CONTACT_APP_PATTERNS", "EMAIL_RX",
    "MARKETING_PATTERNS", "MAX_ATTACHMENT_BYTES", "NUMBER_CUES", "OBFUSCATED_EMAIL_RX",
    "ORDER_ID_RX", "PHONE_CUES", "PHONE_PATTERNS", "REVIEW_PATTERNS", "RMA_RX", "URL_RX",
    "Violation", "check_buyer_message", "host_allowed", "is_amazon_host",
]
