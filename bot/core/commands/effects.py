"""What a command does with this configuration, and the help and notice lines that say so."""

from __future__ import annotations

from bot.core.commands.registry import COMMANDS, CommandSpec, is_french

#: AUTORISER when sellerbot may not request Amazon's link itself (links mode notify).
_AUTHORIZE_CLICK = ("vous renvoie le lien d'autorisation : cliquez-le, puis répondez FAIT",
                    "sends you the authorize link again: click it, then reply DONE")


def help_text(lang: str, links_mode: str = "follow") -> str:
    """Every command's syntax and purpose, for the HELP reply and the footer of digests; what
    AUTORISER does depends on the links mode (`command_effect`), so the help says which."""
    fr = is_french(lang)
    specs = list(COMMANDS.values())
    width = max(len(s.syntax(lang)) for s in specs)
    head = ("Commandes (une par ligne, au début de la ligne, majuscules et accents facultatifs) :"
            if fr else "Commands (one per line, at the start of the line, any case):")

    def description(spec: CommandSpec) -> str:
        if spec.name == "authorize" and command_effect("authorize", links_mode) == "click":
            return _AUTHORIZE_CLICK[0 if fr else 1]
        return spec.description(lang)

    body = [f"  {s.syntax(lang).ljust(width)}  {description(s)}" for s in specs]
    if fr:
        tail = [
            "n° : numéros du récapitulatif (AUTORISER 1 3), référence de dossier (R-2026-0101) "
            "ou TOUT.",
            "Le texte de RÉPONDRE, RÉPONSE AZ et CLORE peut continuer sur les lignes suivantes, "
            "jusqu'à une ligne vide suivie d'une autre commande.",
        ]
    else:
        tail = [
            "no.: digest numbers (AUTHORIZE 1 3), a case reference (R-2026-0101) or ALL.",
            "The text of REPLY, CLAIM ANSWER and CLOSE may continue on the following lines, "
            "up to a blank line followed by another command.",
        ]
    return "\n".join([head, *body, "", *tail]) + "\n"


def command_effect(name: str, links_mode: str, can_relay: bool = False) -> str:
    """What a command does with this configuration. The reply handler acts on it and the
    notice's command lines are generated from it, so a help line cannot promise more:

    follow (sellerbot requests Amazon's link and confirms), click (sellerbot mails back the
    link to click, then FAIT), relay (sent to the buyer through Amazon's messaging), paste
    (sellerbot mails the text to paste in Seller Central), record (sellerbot notes it)."""
    if name == "authorize":
        return "follow" if links_mode == "follow" else "click"
    if name == "close":
        return "click"  # the closing reason and comment are only ever typed by the seller
    if name in ("reply", "keep"):
        return "relay" if can_relay else "paste"
    return "record"


def notice_actions(state: str, links_mode: str, links: dict[str, str], *,
                   suggest_keep_item: bool = False, can_relay: bool = False
                   ) -> list[dict[str, str | None]]:
    """The command lines of a notice for a case in `state`: command, its effect in this
    configuration, and the Seller Central link it concerns (shown beside it)."""
    names: list[str] = []
    if state == "return_requested":
        names = ["authorize", "close", *(["keep"] if suggest_keep_item else []),
                 "done", "snooze"]
    elif state == "message_awaiting_reply":
        names = ["reply", "done", "ignore", "snooze"]
    url_role = {"authorize": "authorize", "close": "close", "reply": "reply", "keep": "reply"}
    return [{"command": n, "effect": command_effect(n, links_mode, can_relay),
             "url": links.get(url_role.get(n, "")) or None} for n in names]
