"""Seller command grammar: keywords, targets, arguments, free text, typos, errors."""

from __future__ import annotations

import pytest

from bot.core.commands import (
    COMMANDS,
    MAX_TEXT_CHARS,
    help_text,
    parse_amount,
    parse_commands,
    parse_duration,
)
from bot.core.domain import Command

C = Command


@pytest.mark.parametrize("text, expected", [
    # keywords, case and accents
    ("AUTORISER", [C("authorize")]),
    ("autoriser", [C("authorize")]),
    ("Autoriser.", [C("authorize")]),
    ("AUTHORIZE", [C("authorize")]),
    ("authorise", [C("authorize")]),
    ("- AUTORISER", [C("authorize")]),
    ("REÇU", [C("received")]),
    ("reçu", [C("received")]),
    ("RECU", [C("received")]),
    ("received", [C("received")]),
    ("GARDER", [C("keep")]),
    ("keep", [C("keep")]),
    ("FAIT", [C("done")]),
    ("done!", [C("done")]),
    ("STATUT", [C("status")]),
    ("Status?", [C("status")]),
    ("AIDE", [C("help")]),
    ("help", [C("help")]),
    ("AIDE rembourser", [C("help", ("refund",))]),
    ("HELP claim answer", [C("help", ("claim_answer",))]),
    ("IGNORER", [C("ignore")]),
    ("ignore", [C("ignore")]),
    ("CONFIRMER 4821", [C("confirm", ("4821",))]),
    ("confirm ab12x", [C("confirm", ("AB12X",))]),
    ("CONFIRMER R-2026-0101 4821", [C("confirm", ("4821",), targets=("R-2026-0101",))]),
    # targets
    ("AUTORISER 1 3", [C("authorize", targets=("1", "3"))]),
    ("AUTORISER 1,3", [C("authorize", targets=("1", "3"))]),
    ("AUTORISER 1 et 3", [C("authorize", targets=("1", "3"))]),
    ("AUTORISER #2", [C("authorize", targets=("2",))]),
    ("AUTORISER n°2", [C("authorize", targets=("2",))]),
    ("2 AUTORISER", [C("authorize", targets=("2",))]),
    ("1 3 autoriser", [C("authorize", targets=("1", "3"))]),
    ("AUTORISER TOUT", [C("authorize", targets=("all",))]),
    ("authorize all", [C("authorize", targets=("all",))]),
    ("AUTORISER r-2026-0101", [C("authorize", targets=("R-2026-0101",))]),
    ("R-2026-0101 : AUTORISER", [C("authorize", targets=("R-2026-0101",))]),
    ("AUTORISER 1 1", [C("authorize", targets=("1",))]),
    ("FAIT C-2026-0002", [C("done", targets=("C-2026-0002",))]),
    ("IGNORER M-2026-0003", [C("ignore", targets=("M-2026-0003",))]),
    ("REÇU 4 colis abîmé", [C("received", text="colis abîmé", targets=("4",))]),
    # authorize arguments
    ("AUTORISER RMA123", [C("authorize", ("RMA123",))]),
    ("AUTORISER 2 RMA123 Entrepôt Lyon",
     [C("authorize", ("RMA123", "Entrepôt Lyon"), targets=("2",))]),
    ("AUTORISER RMA XYZ-9", [C("authorize", ("XYZ-9",))]),
    ("AUTORISER RMA:XYZ9", [C("authorize", ("XYZ9",))]),
    ("AUTORISER 123456", [C("authorize", ("123456",))]),
    ("AUTORISER adresse Entrepôt", [C("authorize", ("", "Entrepôt"))]),
    ("AUTORISER Lyon 3", [C("authorize", ("", "Lyon"), targets=("3",))]),
    # refund amounts
    ("REMBOURSER", [C("refund")]),
    ("REMBOURSER 12,50", [C("refund", ("12.50",))]),
    ("REMBOURSER 12.50", [C("refund", ("12.50",))]),
    ("REMBOURSER 12,50 €", [C("refund", ("12.50",))]),
    ("REMBOURSER 12,50€", [C("refund", ("12.50",))]),
    ("REMBOURSER 12 €", [C("refund", ("12.00",))]),
    ("REMBOURSER 12 EUR", [C("refund", ("12.00",))]),
    ("REMBOURSER €7", [C("refund", ("7.00",))]),
    ("refund £ 8.5", [C("refund", ("8.50",))]),
    ("REFUND 2 19.99", [C("refund", ("19.99",), targets=("2",))]),
    ("REMBOURSER 2 12,50 €.", [C("refund", ("12.50",), targets=("2",))]),
    ("REMBOURSER 12,50 2", [C("refund", ("12.50",), targets=("2",))]),
    ("REMBOURSER 12", [C("refund", targets=("12",))]),
    ("REMBOURSER TOUT", [C("refund", targets=("all",))]),
    ("GARDER 3 5,00", [C("keep", ("5.00",), targets=("3",))]),
    # snooze durations -> seconds
    ("REPORTER 2h", [C("snooze", ("7200",))]),
    ("REPORTER 2 h", [C("snooze", ("7200",))]),
    ("reporter 30 min", [C("snooze", ("1800",))]),
    ("REPORTER 1 j", [C("snooze", ("86400",))]),
    ("REPORTER 2 jours", [C("snooze", ("172800",))]),
    ("SNOOZE 1d", [C("snooze", ("86400",))]),
    ("SNOOZE 90m", [C("snooze", ("5400",))]),
    ("SNOOZE 1h30", [C("snooze", ("5400",))]),
    ("SNOOZE 1h 30min", [C("snooze", ("5400",))]),
    ("SNOOZE 3 hours", [C("snooze", ("10800",))]),
    ("REPORTER 1,5 h", [C("snooze", ("5400",))]),
    ("REPORTER 1 semaine", [C("snooze", ("604800",))]),
    ("REPORTER 2 4h", [C("snooze", ("14400",), targets=("2",))]),
    ("REPORTER 4h 2", [C("snooze", ("14400",), targets=("2",))]),
    ("3 REPORTER 2 heures", [C("snooze", ("7200",), targets=("3",))]),
    # free text
    ("RÉPONDRE Bonjour, votre colis est parti.",
     [C("reply", text="Bonjour, votre colis est parti.")]),
    ("repondre: Merci !", [C("reply", text="Merci !")]),
    ("REPLY Thanks, shipped today", [C("reply", text="Thanks, shipped today")]),
    ("RÉPONDRE 3 colis sont partis", [C("reply", text="3 colis sont partis")]),
    ("RÉPONDRE #2 colis parti", [C("reply", text="colis parti", targets=("2",))]),
    ("2 RÉPONDRE colis parti", [C("reply", text="colis parti", targets=("2",))]),
    ("RÉPONDRE R-2026-0101 colis parti",
     [C("reply", text="colis parti", targets=("R-2026-0101",))]),
    ("RÉPONSE AZ Suivi Colissimo 6A123", [C("claim_answer", text="Suivi Colissimo 6A123")]),
    ("reponse az suivi", [C("claim_answer", text="suivi")]),
    ("RÉPONSE A-Z suivi", [C("claim_answer", text="suivi")]),
    ("CLAIM ANSWER tracking 1Z999", [C("claim_answer", text="tracking 1Z999")]),
    ("CLAIM tracking 1Z999", [C("claim_answer", text="tracking 1Z999")]),
    ("CLAIM C-2026-0002 tracking", [C("claim_answer", text="tracking", targets=("C-2026-0002",))]),
    ("CLORE hors_delai Bonjour, délai dépassé.",
     [C("close", ("hors_delai",), "Bonjour, délai dépassé.")]),
    ("clôturer remboursé Vous avez été remboursé.",
     [C("close", ("remboursé",), "Vous avez été remboursé.")]),
    ("CLOTURER remboursé: merci", [C("close", ("remboursé",), "merci")]),
    ('CLOSE "no return needed" You keep the item.',
     [C("close", ("no return needed",), "You keep the item.")]),
    ("CLORE « sans retour » Gardez l'article.",
     [C("close", ("sans retour",), "Gardez l'article.")]),
])
def test_single_line(text, expected):
    commands, errors = parse_commands(text)
    assert errors == []
    assert commands == expected


@pytest.mark.parametrize("text, expected", [
    ("Bonjour,\n\nAUTORISER\n\nClaire", [C("authorize")]),
    ("AUTORISER\n\nClaire\nLumen & Cie\n06 12 34 56 78", [C("authorize")]),
    ("Hi,\nAUTHORIZE 1\nREFUND 2 12.50\nThanks\nBob", [
        C("authorize", targets=("1",)), C("refund", ("12.50",), targets=("2",))]),
    ("AUTORISER 1 3\nREMBOURSER 2\nREPORTER 4 2h\nSTATUT", [
        C("authorize", targets=("1", "3")), C("refund", targets=("2",)),
        C("snooze", ("7200",), targets=("4",)), C("status")]),
    # multi-line reply text up to a blank line followed by a command
    ("RÉPONDRE Bonjour Madame,\nvotre colis est parti.\n\nBonne journée\n\nFAIT 2", [
        C("reply", text="Bonjour Madame,\nvotre colis est parti.\n\nBonne journée"),
        C("done", targets=("2",))]),
    # text starting on the line after the keyword
    ("RÉPONDRE\nBonjour,\nc'est parti.", [C("reply", text="Bonjour,\nc'est parti.")]),
    ("RÉPONDRE\n\nBonjour,\nc'est parti.", [C("reply", text="Bonjour,\nc'est parti.")]),
    # a command word inside the text without a blank line before it stays text
    ("RÉPONDRE Bonjour,\nReçu votre photo, merci.", [
        C("reply", text="Bonjour,\nReçu votre photo, merci.")]),
    # the text ends at a signature marker
    ("REPLY Shipped.\n-- \nBob\nACME", [C("reply", text="Shipped.")]),
    # and at a quote header
    ("RÉPONDRE Parti.\nLe 22/11/2026 à 10:15, Assistant a écrit :\nAUTORISER", [
        C("reply", text="Parti.")]),
    ("CLORE remboursé\nBonjour,\nnous vous avons remboursé.\n\nREÇU 1", [
        C("close", ("remboursé",), "Bonjour,\nnous vous avons remboursé."),
        C("received", targets=("1",))]),
    ("RÉPONSE AZ\nTransporteur : Colissimo\nSuivi : 6A123\n\nFAIT", [
        C("claim_answer", text="Transporteur : Colissimo\nSuivi : 6A123"), C("done")]),
    # quoted lines are never commands
    ("> AUTORISER\nFAIT", [C("done")]),
    # CRLF
    ("AUTORISER 1\r\nREÇU 2\r\n", [C("authorize", targets=("1",)), C("received", targets=("2",))]),
    # the same command twice is returned twice
    ("FAIT 1\nFAIT 2", [C("done", targets=("1",)), C("done", targets=("2",))]),
    # a greeting before the command, a name after it
    ("Merci !\nIGNORER 3\nMarc", [C("ignore", targets=("3",))]),
    # "Sent from my iPhone" ends the reply
    ("DONE\nSent from my iPhone\nAUTHORIZE", [C("done")]),
])
def test_multi_line(text, expected):
    commands, errors = parse_commands(text)
    assert errors == []
    assert commands == expected


@pytest.mark.parametrize("text, commands, fragments", [
    ("AUTORISR", [], ["Ligne 1 : « AUTORISR » n'est pas une commande. "
                      "Vouliez-vous dire AUTORISER ?",
                      "Line 1: 'AUTORISR' is not a command. Did you mean AUTHORIZE?",
                      "Syntaxe : AUTORISER", "Syntax: AUTHORIZE"]),
    ("Bonjour\nAUTORISR 1", [], ["Ligne 2 :", "AUTORISER ?", "Line 2:"]),
    ("REMBOURSR 2", [], ["REMBOURSER ?", "Did you mean REFUND?"]),
    ("autorise le retour", [], ["« autorise »", "AUTORISER ?"]),
    ("AUTHORIZ", [], ["Did you mean AUTHORIZE?", "Vouliez-vous dire AUTORISER ?"]),
    ("Cloturr remboursé", [], ["CLÔTURER ?", "CLOSE?"]),
    ("REPONSE AX suivi", [], ["RÉPONSE AZ ?", "CLAIM ANSWER?"]),
    # a clear typo after a command is still reported
    ("AUTORISER 1\nREMBOURSR 2", [C("authorize", targets=("1",))], ["Ligne 2 :", "REMBOURSER"]),
    # a typo after a blank line ends a reply text instead of being sent to the buyer
    ("RÉPONDRE C'est parti.\n\nAUTORISR 2", [C("reply", text="C'est parti.")],
     ["Ligne 3 :", "AUTORISER ?"]),
    # missing required text / arguments
    ("RÉPONDRE", [], ["Ligne 1 : RÉPONDRE attend le texte pour l'acheteur",
                      "Line 1: REPLY needs the text for the buyer",
                      "Syntaxe : RÉPONDRE [#n°] <texte pour l'acheteur>"]),
    ("REPLY   ", [], ["REPLY needs the text for the buyer"]),
    ("RÉPONSE AZ", [], ["RÉPONSE AZ attend le texte pour Amazon"]),
    ("CLAIM ANSWER", [], ["CLAIM ANSWER needs the text for Amazon"]),
    ("CLORE", [], ["CLORE attend un motif", "CLOSE needs a reason"]),
    ("CLORE remboursé", [], ["CLORE attend un message à l'acheteur après le motif"]),
    ("REPORTER", [], ["REPORTER attend une durée", "SNOOZE needs a duration"]),
    ("REPORTER demain", [], ["REPORTER attend une durée"]),
    ("REPORTER 2 mois", [], ["REPORTER attend une durée"]),
    ("REPORTER 0h", [], ["REPORTER attend une durée"]),
    ("REPORTER 45 j", [], ["30 jours au plus", "30 days at most"]),
    ("CONFIRMER", [], ["CONFIRMER attend le code", "CONFIRM needs the code"]),
    # money commands are strict
    ("REMBOURSER 12,5", [], ["« 12,5 » n'est pas compris après REMBOURSER"]),
    ("REMBOURSER 2 moitié", [], ["« moitié »", "'moitié' after REFUND"]),
    ("REMBOURSER 12,50 € 3,00 €", [], ["un seul montant", "one amount at a time"]),
    ("REMBOURSER 0,00 €", [], ["positif", "positive"]),
    ("GARDER la moitié", [], ["après GARDER", "after KEEP"]),
    # no command at all
    ("", [], ["Aucune commande trouvée", "No command found"]),
    ("Bonjour,\nmerci pour le message.\nClaire", [], ["Aucune commande trouvée"]),
    ("Please authorize it", [], ["No command found"]),
    ("> AUTORISER", [], ["No command found"]),
])
def test_errors(text, commands, fragments):
    got, errors = parse_commands(text)
    assert got == commands
    assert errors, "expected an error"
    joined = "\n".join(errors)
    for fragment in fragments:
        assert fragment in joined


def test_error_is_bilingual_in_one_message():
    _, errors = parse_commands("AUTORISR")
    assert len(errors) == 1
    fr, en = errors[0].split(" / Line ")
    assert fr.startswith("Ligne 1 : ")
    assert "Did you mean AUTHORIZE?" in en


@pytest.mark.parametrize("signature", ["Claire", "Claude", "Fabien", "Kevin", "Donna", "Marie",
                                       "Claire Martin", "Lumen & Cie", "06 12 34 56 78"])
def test_signature_lines_after_a_command_are_ignored(signature):
    commands, errors = parse_commands(f"FAIT\n{signature}")
    assert commands == [C("done")]
    assert errors == []


@pytest.mark.parametrize("greeting", ["Bonjour", "Bonjour Claire,", "Merci", "Hi", "Hello team",
                                      "Thanks!", "Cordialement", "Bonne journée", "Kind regards"])
def test_greetings_are_not_errors(greeting):
    commands, errors = parse_commands(f"{greeting}\nSTATUT\n{greeting}")
    assert commands == [C("status")]
    assert errors == []


def test_text_length_limit():
    ok, errors = parse_commands("RÉPONDRE " + "a" * MAX_TEXT_CHARS)
    assert errors == [] and len(ok[0].text) == MAX_TEXT_CHARS
    too_long, errors = parse_commands("RÉPONDRE " + "a" * (MAX_TEXT_CHARS + 1))
    assert too_long == []
    assert "4000" in errors[0] and "Line 1:" in errors[0]


def test_multi_line_text_length_counts_all_lines():
    text = "REPLY\n" + "\n".join(["b" * 99] * 50)
    commands, errors = parse_commands(text)
    assert commands == [] and "4000" in errors[0]


def test_corpus_reply_body():
    # the body of tests/corpus/16_seller_reply_autoriser.eml once quotes are removed
    commands, errors = parse_commands("AUTORISER\n\nClaire\n\n")
    assert (commands, errors) == ([C("authorize")], [])


def test_other_commands_still_parsed_after_an_error():
    commands, errors = parse_commands("REPORTER\nFAIT 2")
    assert commands == [C("done", targets=("2",))]
    assert len(errors) == 1 and errors[0].startswith("Ligne 1 : ")


# --- registry and help ---------------------------------------------------------------------

def test_registry():
    assert list(COMMANDS) == ["authorize", "close", "refund", "keep", "received", "reply",
                              "claim_answer", "done", "snooze", "status", "help", "ignore",
                              "confirm", "shipped", "out_of_stock", "return"]
    assert {n for n, s in COMMANDS.items() if s.moves_money} == {"refund", "keep"}
    assert {n for n, s in COMMANDS.items() if s.takes_text} == {"reply", "claim_answer", "close"}
    for spec in COMMANDS.values():
        assert spec.keywords_fr and spec.keywords_en
        assert spec.syntax_fr.startswith(spec.keywords_fr[0])
        assert spec.syntax_en.startswith(spec.keywords_en[0])
        assert spec.description_fr and spec.description_en


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_keyword_parses_to_its_command(name):
    spec = COMMANDS[name]
    sample = {"reply": " x", "claim_answer": " x", "close": " motif x", "snooze": " 1h",
              "confirm": " 1234", "shipped": " 405-5529184-0713326 UPS 1Z999AA10123456784",
              "out_of_stock": " 405-5529184-0713326"}.get(name, "")
    for kw in spec.keywords:
        for variant in (kw, kw.lower(), kw.title()):
            commands, errors = parse_commands(variant + sample)
            assert errors == [], (variant, errors)
            assert [c.name for c in commands] == [name]


@pytest.mark.parametrize("lang, words", [
    ("fr", ["AUTORISER", "CLORE", "REMBOURSER", "GARDER", "REÇU", "RÉPONDRE", "RÉPONSE AZ",
            "FAIT", "REPORTER", "STATUT", "AIDE", "IGNORER", "CONFIRMER", "Commandes"]),
    ("fr-FR", ["AUTORISER"]),
    ("en", ["AUTHORIZE", "CLOSE", "REFUND", "KEEP", "RECEIVED", "REPLY", "CLAIM ANSWER", "DONE",
            "SNOOZE", "STATUS", "HELP", "IGNORE", "CONFIRM", "Commands"]),
])
def test_help_text(lang, words):
    text = help_text(lang)
    for word in words:
        assert word in text


def test_help_text_lists_every_syntax():
    for spec in COMMANDS.values():
        assert spec.syntax_fr in help_text("fr")
        assert spec.syntax_en in help_text("en")


# --- helpers -------------------------------------------------------------------------------

@pytest.mark.parametrize("text, seconds", [
    ("2h", 7200), ("30 min", 1800), ("1 j", 86400), ("1d", 86400), ("90m", 5400),
    ("1h30", 5400), ("2 heures", 7200), ("1 jour 2 h", 93600), ("15mn", 900), ("", None),
    ("demain", None), ("2", None),
])
def test_parse_duration(text, seconds):
    assert parse_duration(text)[0] == seconds


@pytest.mark.parametrize("text, amount", [
    ("12,50", "12.50"), ("12.50", "12.50"), ("12,50 €", "12.50"), ("€ 3", "3.00"),
    ("3 euros", "3.00"), ("12", None), ("2 12,5", None), ("abc", None),
])
def test_parse_amount(text, amount):
    value, _ = parse_amount(text)
    assert (str(value) if value is not None else None) == amount


def test_help_says_what_authorize_does_in_each_links_mode() -> None:
    assert "autoriser le retour" in help_text("fr", "follow")
    notify = help_text("fr", "notify")
    assert "cliquez-le, puis répondez FAIT" in notify and "autoriser le retour (" not in notify
    assert "click it, then reply DONE" in help_text("en", "notify")
