"""The school's review: complete, missing piece, decision with its échelon
(the amount is the barème's) or refusal with its reason; a mail at each
change; the decision is final; the PDFs read back as a family reads them."""
import base64
import io
import re
from datetime import datetime

import pytest
from pypdf import PdfReader

from common.clock import PARIS
from common.errors import NotFound, ValidationError
from services.bourses.tests.conftest import COLLEGE_UAI, DEMANDEUR, ELEVE, IN_CAMPAIGN, LYCEE_UAI, child, form


@pytest.fixture
def filed(loaded, clock):
    clock.move_to(IN_CAMPAIGN)
    demande = loaded.submit(child(), form(), DEMANDEUR, ELEVE)
    loaded.mail_events.reset_mock()
    return demande


def _mails(service):
    return [m for call in service.mail_events.call_args_list for m in call.args[1]["messages"]]


def _text(document) -> str:
    reader = PdfReader(io.BytesIO(base64.b64decode(document["pdf_base64"])))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_the_acknowledgement_pdf_gives_the_number_the_household_and_the_estimate(loaded, filed):
    document = loaded.document(child(), filed["id"], "accuse")
    assert document["filename"] == f"accuse-reception-{filed['numero']}.pdf"
    text = _text(document)
    for expected in ("Accusé de réception – demande de bourse de collège", filed["numero"], "16/09/2024",
                     "Léo MARTIN, classe 5A", "Collège Jean Moulin", "Claire MARTIN", "2024-2025",
                     "Revenu fiscal de référence (avis 2024)", "11 928 €", "Échelon 2, soit 315 € par an"):
        assert expected in text, expected
    with pytest.raises(NotFound):
        loaded.document(child(), filed["id"], "notification")


def test_a_missing_piece_then_complete_then_granted_mails_the_family_each_time(loaded, filed, clock):
    loaded.review(COLLEGE_UAI, filed["id"], {"action": "piece_manquante", "piece": "Avis d'impôt 2024"}, 9)
    assert loaded.page(child())["demandes"][0]["piece_manquante"] == "Avis d'impôt 2024"
    loaded.review(COLLEGE_UAI, filed["id"], {"action": "complete"}, 9)
    decided = loaded.review(COLLEGE_UAI, filed["id"], {"action": "accorder", "echelon": "3"}, 9)
    assert (decided["decision_echelon"], decided["decision_montant"]) == (3, 495)
    mails = _mails(loaded)
    assert [(m["kind"], m["context"]["statut"]) for m in mails] == [
        ("bourse_suivi", "Pièce manquante"), ("bourse_suivi", "Dossier complet, en cours d'examen"),
        ("bourse_suivi", "Bourse accordée")]
    assert mails[0]["context"]["piece"] == "Avis d'impôt 2024"
    assert mails[2]["context"]["decision"] == "Échelon 3, soit 495\u00a0€ par an, versés en trois fois."
    assert all(m["to"] == DEMANDEUR["email"] for m in mails)
    assert len({m["request_id"] for m in mails}) == 3
    items = [i for c in loaded.news_events.call_args_list for i in c.args[1]["items"]]
    assert [(i["key"], i["eleve_id"], i["kind"]) for i in items] == [(f"demande:{filed['id']}", 1, "bourse")] * 3
    seen = loaded.page(child())["demandes"][0]
    assert (seen["statut_texte"], seen["decision_montant_texte"]) == ("Bourse accordée", "495\u00a0€")
    text = _text(loaded.document(child(), filed["id"], "notification"))
    for expected in ("Notification de décision – bourse de collège", "La bourse de collège est accordée.",
                     "Échelon 3", "Montant annuel 495 €", "Par trimestre 165 €",
                     "pour l'année scolaire 2024-2025", filed["numero"]):
        assert expected in text, expected


def test_a_refusal_gives_its_reason_and_the_appeal_route(loaded, filed):
    loaded.review(COLLEGE_UAI, filed["id"], {"action": "refuser", "motif": "Pièces justificatives non fournies."}, 9)
    [mail] = _mails(loaded)
    assert (mail["context"]["statut"], mail["context"]["motif"]) == ("Bourse refusée",
                                                                    "Pièces justificatives non fournies.")
    text = _text(loaded.document(child(), filed["id"], "notification"))
    assert "La bourse de collège n'est pas accordée." in text
    assert "Motif : Pièces justificatives non fournies." in text
    assert "recours" in text and "deux mois" in text


def test_a_decision_is_final_and_the_steps_keep_their_order(loaded, filed):
    with pytest.raises(ValidationError) as exc:
        loaded.review(COLLEGE_UAI, filed["id"], {"action": "piece_manquante", "piece": " "}, 9)
    assert exc.value.errors == {"piece": ["Indiquez la pièce qui manque au dossier."]}
    loaded.review(COLLEGE_UAI, filed["id"], {"action": "piece_manquante", "piece": "RIB"}, 9)
    with pytest.raises(ValidationError) as exc:
        loaded.review(COLLEGE_UAI, filed["id"], {"action": "accorder", "echelon": "1"}, 9)
    assert exc.value.errors == {"action": ["Le dossier doit d'abord être déclaré complet."]}
    loaded.review(COLLEGE_UAI, filed["id"], {"action": "complete"}, 9)
    with pytest.raises(ValidationError) as exc:
        loaded.review(COLLEGE_UAI, filed["id"], {"action": "accorder", "echelon": "4"}, 9)
    assert exc.value.errors == {"echelon": ["Échelon de 1 à 3."]}
    with pytest.raises(ValidationError) as exc:
        loaded.review(COLLEGE_UAI, filed["id"], {"action": "refuser"}, 9)
    assert exc.value.errors == {"motif": ["Indiquez le motif du refus\u00a0: il figure sur la notification."]}
    loaded.review(COLLEGE_UAI, filed["id"], {"action": "accorder", "echelon": "1"}, 9)
    with pytest.raises(ValidationError) as exc:
        loaded.review(COLLEGE_UAI, filed["id"], {"action": "refuser", "motif": "Erreur"}, 9)
    assert exc.value.errors == {"action": ["La décision est déjà rendue\u00a0: elle ne se modifie plus ici."]}
    history = loaded.get_demande(COLLEGE_UAI, filed["id"])["historique"]
    assert [h["statut"] for h in history] == ["deposee", "piece_manquante", "complete", "accordee"]
    assert len(_mails(loaded)) == 3


def test_another_establishment_sees_nothing_of_the_application(loaded, filed):
    assert loaded.list_demandes(LYCEE_UAI)["demandes"] == []
    with pytest.raises(NotFound):
        loaded.get_demande(LYCEE_UAI, filed["id"])
    with pytest.raises(NotFound):
        loaded.review(LYCEE_UAI, filed["id"], {"action": "complete"}, 9)
    listing = loaded.list_demandes(COLLEGE_UAI)
    assert [(d["numero"], d["eleve_prenom"], d["statut_texte"]) for d in listing["demandes"]] == [
        (filed["numero"], "Léo", "Déposée, en attente d'examen")]
    assert (listing["total"], listing["pages"]) == (1, 1)
    assert loaded.list_demandes(COLLEGE_UAI, statut="accordee")["demandes"] == []


def test_a_review_in_the_evening_is_mailed_the_next_working_morning(loaded, filed, clock):
    clock.move_to(datetime(2024, 9, 20, 21, 30, tzinfo=PARIS))  # a Friday evening
    loaded.review(COLLEGE_UAI, filed["id"], {"action": "complete"}, 9)
    [mail] = _mails(loaded)
    assert datetime.fromisoformat(mail["not_before"]) == datetime(2024, 9, 23, 7, 0, tzinfo=PARIS)


def test_drafts_are_not_shown_to_the_school(loaded, clock):
    clock.move_to(IN_CAMPAIGN)
    loaded.save_draft(child(2), {"enfants_a_charge": "2"}, DEMANDEUR, ELEVE)
    assert loaded.list_demandes(COLLEGE_UAI)["total"] == 0


def test_the_school_list_comes_by_pages_of_a_hundred_newest_first(loaded, clock):
    clock.move_to(IN_CAMPAIGN)
    for eleve_id in range(1, 103):
        loaded.submit(child(eleve_id), form(), {}, {"prenom": f"É{eleve_id}", "nom": "X"})
    first, second = loaded.list_demandes(COLLEGE_UAI), loaded.list_demandes(COLLEGE_UAI, page=2)
    assert (first["total"], first["pages"], len(first["demandes"]), len(second["demandes"])) == (102, 2, 100, 2)
    assert first["demandes"][0]["eleve_prenom"] == "É102"
    assert [d["eleve_prenom"] for d in second["demandes"]] == ["É2", "É1"]
    with pytest.raises(ValidationError):
        loaded.list_demandes(COLLEGE_UAI, page=0)
