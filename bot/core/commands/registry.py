"""The command registry: every command's keywords, syntax and description, in French and English."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command of the registry. The first keyword of each language is its display form."""

    name: str
    keywords_fr: tuple[str, ...]
    keywords_en: tuple[str, ...]
    syntax_fr: str
    syntax_en: str
    description_fr: str
    description_en: str
    moves_money: bool = False
    takes_text: bool = False  # free text that may continue on the following lines

    @property
    def keywords(self) -> tuple[str, ...]:
        return self.keywords_fr + self.keywords_en

    def keyword(self, lang: str) -> str:
        return self.keywords_fr[0] if is_french(lang) else self.keywords_en[0]

    def syntax(self, lang: str) -> str:
        return self.syntax_fr if is_french(lang) else self.syntax_en

    def description(self, lang: str) -> str:
        return self.description_fr if is_french(lang) else self.description_en


def is_french(lang: str) -> bool:
    return (lang or "").lower().startswith("fr")


SPECS = (
    CommandSpec(
        "authorize", ("AUTORISER",), ("AUTHORIZE", "AUTHORISE"),
        "AUTORISER [n°…|TOUT] [RMA] [adresse]", "AUTHORIZE [no.…|ALL] [RMA] [address]",
        "autoriser le retour (RMA et adresse de retour facultatifs)",
        "authorize the return (RMA and return address optional)"),
    CommandSpec(
        "close", ("CLORE", "CLÔTURER", "CLOTURER"), ("CLOSE",),
        "CLORE [#n°] <motif> <message à l'acheteur>", "CLOSE [#no.] <reason> <message to buyer>",
        "clore la demande : motif (un mot ou « entre guillemets ») puis message à l'acheteur",
        'close the request: reason (one word or "quoted") then the message to the buyer',
        takes_text=True),
    CommandSpec(
        "refund", ("REMBOURSER",), ("REFUND",),
        "REMBOURSER [n°…|TOUT] [montant, ex. 12,50 €]", "REFUND [no.…|ALL] [amount, e.g. 12.50]",
        "rembourser (tout, ou le montant indiqué)", "refund (in full, or the amount given)",
        moves_money=True),
    CommandSpec(
        "keep", ("GARDER",), ("KEEP",),
        "GARDER [n°…|TOUT] [montant]", "KEEP [no.…|ALL] [amount]",
        "l'acheteur garde l'article et il est remboursé (sans retour)",
        "the buyer keeps the item and is refunded (no return)",
        moves_money=True),
    CommandSpec(
        "received", ("REÇU", "RECU"), ("RECEIVED",),
        "REÇU [n°…]", "RECEIVED [no.…]",
        "le retour est arrivé (remboursement dû sous 2 jours ouvrés)",
        "the return has arrived (refund due within 2 business days)"),
    CommandSpec(
        "reply", ("RÉPONDRE", "REPONDRE"), ("REPLY",),
        "RÉPONDRE [#n°] <texte pour l'acheteur>", "REPLY [#no.] <text for the buyer>",
        "envoyer le texte à l'acheteur", "send the text to the buyer",
        takes_text=True),
    CommandSpec(
        "claim_answer", ("RÉPONSE AZ", "REPONSE AZ"), ("CLAIM ANSWER", "CLAIM"),
        "RÉPONSE AZ [#n°] <texte pour Amazon>", "CLAIM ANSWER [#no.] <text for Amazon>",
        "préparer la réponse à la réclamation A-à-z", "prepare the answer to the A-to-z claim",
        takes_text=True),
    CommandSpec(
        "done", ("FAIT",), ("DONE",),
        "FAIT [n°…]", "DONE [no.…]",
        "c'est réglé dans Seller Central : plus de rappels",
        "handled in Seller Central: no more reminders"),
    CommandSpec(
        "snooze", ("REPORTER",), ("SNOOZE",),
        "REPORTER [n°…] <durée, ex. 2h, 30 min, 1 j>",
        "SNOOZE [no.…] <duration, e.g. 2h, 30 min, 1d>",
        "me le rappeler plus tard", "remind me later"),
    CommandSpec(
        "status", ("STATUT",), ("STATUS",),
        "STATUT", "STATUS",
        "la liste des dossiers ouverts", "the list of open cases"),
    CommandSpec(
        "help", ("AIDE",), ("HELP",),
        "AIDE [commande]", "HELP [command]",
        "cette aide", "this help"),
    CommandSpec(
        "ignore", ("IGNORER",), ("IGNORE",),
        "IGNORER [n°…]", "IGNORE [no.…]",
        "ne plus me rappeler ce dossier", "stop reminding me of this case"),
    CommandSpec(
        "confirm", ("CONFIRMER",), ("CONFIRM",),
        "CONFIRMER <code>", "CONFIRM <code>",
        "confirmer une action qui engage de l'argent (code reçu par e-mail)",
        "confirm an action that moves money (code sent by email)"),
    CommandSpec(
        "shipped", ("EXPÉDIÉ", "EXPEDIE", "EXPÉDIÉE"), ("SHIPPED", "VERSANDT", "SPEDITO",
                                                       "ENVIADO"),
        "EXPÉDIÉ <commande> <transporteur> <n° de suivi> [signature] [buy shipping]",
        "SHIPPED <order> <carrier> <tracking no.> [signature] [buy shipping]",
        "enregistrer l'expédition (une commande par ligne)",
        "record the shipment (one order per line)"),
    CommandSpec(
        "out_of_stock", ("RUPTURE",), ("OUT OF STOCK", "AUSVERKAUFT", "ESAURITO", "AGOTADO"),
        "RUPTURE <commande>", "OUT OF STOCK <order>",
        "préparer le message d'annulation pour l'acheteur (article en rupture)",
        "draft the cancellation message to the buyer (item out of stock)"),
    CommandSpec(
        "return", ("RETOUR",), ("RETURN",),
        "RETOUR [n°…]", "RETURN [no.…]",
        "demander à l'acheteur de faire une demande de retour sur Amazon (message type)",
        "ask the buyer to file a return request on Amazon (template message)"),
)

#: Canonical name -> spec, in help order.
COMMANDS: dict[str, CommandSpec] = {spec.name: spec for spec in SPECS}
