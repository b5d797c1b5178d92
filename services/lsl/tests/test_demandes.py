"""Issue 16 § 7, who acts and the requests to the head: the guardians of a
minor, the adult student themself; a rectification says which part and what
is wrong; an opposition is recorded once; staff record the outcome and the
author gets a mail either way; nothing reaches another establishment's
requests."""
from datetime import datetime

import pytest

from common.clock import PARIS
from common.errors import Forbidden, NotFound, ValidationError
from common.mail import MAIL_REQUESTED
from services.lsl.tests.conftest import LYCEE, OTHER_LYCEE, child, eleve, xml

NOW = datetime(2026, 12, 10, 9, 0, tzinfo=PARIS)
SOPHIE = {"prenom": "Sophie", "nom": "LEFEBVRE", "email": "sophie.lefebvre@example.org"}
LUCAS = {"prenom": "Lucas", "nom": "LEFEBVRE", "email": "lucas.lefebvre@example.org"}
RECTIFICATION = {"type": "rectification", "partie": "scolarite", "objet": "L'année 2022-2023 manque.",
                 "commentaire": "Il était au collège Jean Moulin."}


def _day(iso: str):
    return datetime.fromisoformat(iso).astimezone(PARIS).date()


@pytest.fixture
def opened(lsl, clock):
    clock.move_to(NOW)
    lsl.set_opening(LYCEE, True, account_id=1)
    lsl.replicate(LYCEE, xml(eleve("3001"), eleve("3002")).decode())
    return lsl


@pytest.mark.parametrize("role, majeur, allowed, message", [
    ("responsable", False, True, None),
    ("eleve", False, False, "L'élève est mineur : ce sont ses responsables légaux qui font cette demande."),
    ("eleve", True, True, None),
    ("responsable", True, False, "L'élève est majeur : c'est à lui de faire cette demande, depuis son propre compte."),
])
def test_the_guardians_of_a_minor_or_the_adult_student_ask(opened, role, majeur, allowed, message):
    viewer = child(12, role=role, majeur=majeur)
    assert opened.home(viewer)["peut_demander"] is allowed
    if allowed:
        made = opened.request(viewer, {"type": "opposition", "commentaire": ""}, SOPHIE)
        assert (made["etat"], made["libelle"]) == (
            "en_attente", "Opposition à la transmission du livret au jury du baccalauréat")
    else:
        with pytest.raises(Forbidden) as exc:
            opened.request(viewer, RECTIFICATION, SOPHIE)
        assert exc.value.args[0] == message
        assert opened.requests(viewer) == []


def test_a_rectification_says_which_part_and_what_is_wrong(opened):
    with pytest.raises(ValidationError) as exc:
        opened.request(child(11), {"type": "rectification", "partie": None, "objet": "  "}, SOPHIE)
    assert exc.value.errors == {"partie": ["Choisissez la partie du livret concernée."],
                                "objet": ["Indiquez ce qui est inexact."]}
    with pytest.raises(ValidationError) as exc:
        opened.request(child(11), {**RECTIFICATION, "partie": "notes"}, SOPHIE)
    assert exc.value.errors == {"partie": ["Choisissez la partie du livret concernée."]}
    assert opened.requests(child(11)) == []
    made = opened.request(child(11), RECTIFICATION, SOPHIE)
    assert (made["libelle"], made["objet"], made["auteur"], _day(made["cree_le"])) == (
        "Rectification : Scolarité", "L'année 2022-2023 manque.", "Sophie LEFEBVRE", NOW.date())


def test_an_opposition_is_recorded_once(opened):
    opened.request(child(11), {"type": "opposition"}, SOPHIE)
    with pytest.raises(ValidationError) as exc:
        opened.request(child(11), {"type": "opposition"}, SOPHIE)
    assert exc.value.errors == {"type": [
        "Une opposition à la transmission du livret est déjà enregistrée pour cet élève (le 10/12/2026)."]}
    assert len(opened.requests(child(11))) == 1


def test_staff_decide_and_the_author_is_told_by_mail_either_way(opened, clock):
    first = opened.request(child(12, role="eleve", majeur=True), RECTIFICATION, LUCAS)
    second = opened.request(child(12, role="eleve", majeur=True), {"type": "opposition"}, LUCAS)
    assert [d["id"] for d in opened.school_requests(LYCEE, etat="en_attente")] == [second["id"], first["id"]]
    clock.advance(NOW - NOW.replace(day=8))
    decided = opened.decide(LYCEE, first["id"], "acceptee", "Corrigé dans SIECLE.", account_id=7)
    assert (decided["etat"], decided["reponse"]) == ("acceptee", "Corrigé dans SIECLE.")
    opened.decide(LYCEE, second["id"], "refusee", "", account_id=7)
    mails = [call.args for call in opened.mail_events.call_args_list]
    assert [name for name, _ in mails] == [MAIL_REQUESTED, MAIL_REQUESTED]
    sent = [payload["messages"][0] for _, payload in mails]
    assert [(m["kind"], m["to"]) for m in sent] == [("lsl_demande_acceptee", "lucas.lefebvre@example.org"),
                                                    ("lsl_demande_refusee", "lucas.lefebvre@example.org")]
    context = sent[0]["context"]
    assert _day(context.pop("date_demande")) == NOW.date()
    assert context == {
        "prenom": "Lucas", "nom": "LEFEBVRE", "eleve_prenom": "Lucas", "eleve_nom": "LEFEBVRE",
        "etablissement_nom": "LYCÉE MARGUERITE DE FLANDRE", "demande": "Rectification : Scolarité",
        "reponse": "Corrigé dans SIECLE."}
    # The family sees the states.
    assert [d["etat"] for d in opened.requests(child(12, role="eleve", majeur=True))] == ["refusee", "acceptee"]
    # Decided once.
    with pytest.raises(ValidationError):
        opened.decide(LYCEE, first["id"], "refusee", "", account_id=7)
    assert len(opened.mail_events.call_args_list) == 2


def test_no_mail_without_an_address_and_nothing_across_establishments(opened):
    made = opened.request(child(11), {"type": "opposition"}, {**SOPHIE, "email": None})
    with pytest.raises(NotFound):
        opened.decide(OTHER_LYCEE, made["id"], "acceptee", "", account_id=7)
    assert opened.school_requests(OTHER_LYCEE) == []
    opened.decide(LYCEE, made["id"], "acceptee", "", account_id=7)
    assert opened.mail_events.call_args_list == []
    with pytest.raises(ValidationError) as exc:
        opened.decide(LYCEE, made["id"], "peut-être", "", account_id=7)
    assert exc.value.errors == {"decision": ["Choisissez d'accepter ou de refuser la demande."]}
