"""The four steps (guide § 3.7): enroll or decline (the collège's head is
told), wishes among what the lycée offers, administrative data through the
fiche's rules, the summary with its receipt (PDF read back, mail once); two
guardians; steps out of order and replayed forms refused, nothing stored."""
import base64
import io
import re
from contextlib import contextmanager

import pypdf
import pytest
from sqlalchemy import func, select

from common.errors import NotFound, ValidationError
from common.messaging import idempotency_key
from services.inscription.exceptions import EtapeRefusee
from services.inscription.models import Dossier
from services.inscription.tests.conftest import CLAIRE, COLLEGE, LYCEE, NB, PHILIPPE, VOEUX, child

CLAIRE_ID, PHILIPPE_ID = 501, 777


def mails(service) -> list[dict]:
    out = []
    for call in service.mail_events.call_args_list:
        event, payload = call.args
        assert event == "mail_requested"
        out.extend(payload["messages"])
    return out


def dossier(db) -> Dossier | None:
    found = db.scalar(select(Dossier))
    db.rollback()
    return found


@contextmanager
def key(value):
    token = idempotency_key.set(value)
    try:
        yield
    finally:
        idempotency_key.reset(token)


def enroll_to_summary(service):
    service.decide(child(), "inscrire", CLAIRE, classe="3A")
    service.save_voeux(child(), VOEUX)
    service.save_donnees(child(), {"tel_portable": "06 11 22 33 44"}, {
        "adresse": {"ligne1": "1 RUE DU MOULIN", "code_postal": "59580", "commune": "Emerchicourt", "pays": "100"},
        "tel_portable": "06 12 34 56 78"})
    return service.page(child())


def test_step_1_shows_the_assignment_the_deadline_and_the_lycées_message(loaded):
    page = loaded.page(child())
    assert page["lycee"]["nom"] == "LYCÉE MARGUERITE DE FLANDRE"
    assert page["lycee"]["adresse"] == "4 RUE DU MARÉCHAL LEDUC" and page["lycee"]["ville"] == "59147 GONDECOURT"
    assert page["formation"] == "2nde générale et technologique"
    assert page["sections_affectation"] == ["Section européenne anglais"]
    assert page["voeux_affectation"][0]["resultat"] == "Affecté"
    assert page["campagne"]["cloture_jour"] == "28/06/2027"
    assert page["lycee"]["message"] == "Bienvenue au lycée Marguerite de Flandre !"
    assert page["college"]["telephone"] == "03 20 81 00 00"
    assert page["mention_lycee"] == (f"L'inscription en ligne n'est pas obligatoire{NB}: vous pouvez aussi inscrire "
                                     "votre enfant directement au lycée.")
    assert page["etat"] == "sans_reponse"


def test_the_whole_enrollment_ends_with_a_receipt_pdf_and_one_mail(loaded, inscription_db):
    summary = enroll_to_summary(loaded)
    assert summary["etape"] == 4
    assert summary["donnees"]["responsable"]["tel_portable"] == "+33612345678"  # the fiche's cleaning
    assert summary["donnees"]["responsable"]["adresse"]["code_commune_insee"] == "59192"
    assert ("Langue vivante A", "Anglais") in [tuple(v) for v in summary["voeux_texte"]]
    with pytest.raises(NotFound):
        loaded.receipt(child())
    assert loaded.complete(child()) == {"etat": "complet", "etape": 4}
    done = loaded.page(child())
    assert done["etat"] == "complet" and done["complete_le"] == f"26/06/2027 à 19{NB}h{NB}08"
    [mail] = mails(loaded)
    assert (mail["kind"], mail["to"]) == ("inscription_accuse_reception", CLAIRE["email"])
    assert mail["context"]["lycee_nom"] == "LYCÉE MARGUERITE DE FLANDRE"

    pdf = loaded.receipt(child(viewer=PHILIPPE_ID))  # either guardian may download it
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pypdf.PdfReader(
        io.BytesIO(base64.b64decode(pdf["pdf_base64"]))).pages))
    for expected in ("Accusé de réception", "Élève1 MARTIN", "LYCÉE MARGUERITE DE FLANDRE", "Anglais", "Espagnol",
                     "Latin", "Section européenne anglais", "Claire MARTIN", "+33612345678", "1 RUE DU MOULIN"):
        assert expected in text, expected

    with pytest.raises(EtapeRefusee) as exc:
        loaded.complete(child())
    assert "L'inscription est terminée depuis le 26/06/2027" in str(exc.value)
    assert len(mails(loaded)) == 1


def test_declining_tells_the_collèges_head_and_shows_its_contact(loaded, inscription_db):
    assert loaded.decide(child(), "refuser", CLAIRE, classe="3A") == {"etat": "refuse", "etape": 1}
    page = loaded.page(child())
    assert page["etat"] == "refuse" and page["college"]["telephone"] == "03 20 81 00 00"
    [mail] = mails(loaded)
    assert (mail["kind"], mail["to"]) == ("inscription_refus_college", "ce.0591234x@example.org")
    assert mail["context"]["responsable_nom"] == "MARTIN" and mail["context"]["eleve_classe"] == "3A"
    with pytest.raises(EtapeRefusee) as exc:
        loaded.save_voeux(child(), VOEUX)
    assert str(exc.value).startswith("Indiquez d'abord à l'étape 1")
    assert dossier(inscription_db).voeux is None


def test_the_first_guardians_decision_stands_and_the_other_sees_who_and_when(loaded, inscription_db):
    loaded.decide(child(viewer=CLAIRE_ID), "inscrire", CLAIRE)
    seen = loaded.page(child(viewer=PHILIPPE_ID))
    assert seen["peut_decider"] is False and seen["peut_continuer"] is False
    assert seen["decision"]["texte"] == ("L'inscription dans cet établissement a été faite par Claire MARTIN le "
                                         f"26/06/2027 à 19{NB}h{NB}08.")
    with pytest.raises(EtapeRefusee) as exc:
        loaded.decide(child(viewer=PHILIPPE_ID), "refuser", PHILIPPE)
    assert "par Claire MARTIN le 26/06/2027" in str(exc.value)
    with pytest.raises(EtapeRefusee):
        loaded.save_voeux(child(viewer=PHILIPPE_ID), VOEUX)
    found = dossier(inscription_db)
    assert (found.etat, found.decision_nom, found.voeux) == ("inscrit", "MARTIN", None)
    assert not mails(loaded)  # no decline notice went out


@pytest.mark.parametrize("voeux, field, message", [
    ({**VOEUX, "options": ["GREC"]}, "options", "Cet enseignement optionnel n'est pas proposé par le lycée pour "
                                                "cette formation."),
    ({**VOEUX, "options": ["LATIN", "CHINOIS", "ARTS"]}, "options", "Au plus 2 enseignement(s) optionnel(s)."),
    ({**VOEUX, "lv1": "RUS1"}, "lv1", "Cette langue n'est pas proposée par le lycée pour cette formation."),
    ({**VOEUX, "lv1": "ALL1", "lv2": "ALL2"}, "lv2", "La langue vivante B doit être différente de la langue "
                                                      "vivante A."),
    ({**VOEUX, "lv1": ""}, "lv1", "Choisissez la langue vivante A."),
    ({**VOEUX, "section": "EURO_ESP"}, "section", "Cette section n'est pas proposée par le lycée pour cette "
                                                  "formation."),
])
def test_a_wish_the_lycée_does_not_offer_is_refused_and_nothing_is_stored(loaded, inscription_db, voeux, field,
                                                                          message):
    loaded.decide(child(), "inscrire", CLAIRE)
    with pytest.raises(ValidationError) as exc:
        loaded.save_voeux(child(), voeux)
    assert exc.value.errors == {field: [message]}
    assert (dossier(inscription_db).voeux, dossier(inscription_db).etape) == (None, 2)


def test_administrative_data_follow_the_fiches_rules(loaded, inscription_db):
    loaded.decide(child(), "inscrire", CLAIRE)
    loaded.save_voeux(child(), VOEUX)
    with pytest.raises(ValidationError) as exc:
        loaded.save_donnees(child(), {"email": "pas une adresse"}, {
            "adresse": {"ligne1": "1 RUE DU MOULIN", "code_postal": "59580", "commune": "Lille"},
            "tel_portable": "01 02"})
    errors = exc.value.errors
    assert errors["eleve-email"] == ["Adresse électronique invalide."]
    assert errors["responsable-adresse.commune"][0].startswith("Cette commune ne correspond pas au code postal 59580")
    assert "responsable-tel_portable" in errors
    assert dossier(inscription_db).donnees_responsable is None and dossier(inscription_db).etape == 3


def test_steps_out_of_order_are_refused(loaded, inscription_db):
    with pytest.raises(EtapeRefusee):
        loaded.save_voeux(child(), VOEUX)
    assert dossier(inscription_db) is None
    loaded.decide(child(), "inscrire", CLAIRE)
    with pytest.raises(EtapeRefusee) as exc:
        loaded.save_donnees(child(), {}, {"tel_portable": "06 12 34 56 78"})
    assert str(exc.value) == "Indiquez d'abord les souhaits pédagogiques (étape 2)."
    with pytest.raises(EtapeRefusee):
        loaded.complete(child())
    assert (dossier(inscription_db).etape, dossier(inscription_db).etat) == (2, "inscrit")
    assert not mails(loaded)


def test_a_replayed_form_changes_nothing(loaded, inscription_db):
    with key("form-1"):
        first = loaded.decide(child(), "refuser", CLAIRE)
    with key("form-1"):
        again = loaded.decide(child(), "refuser", CLAIRE)
    assert again == first
    assert len(mails(loaded)) == 1  # one notice to the collège
    with key("form-2"), pytest.raises(EtapeRefusee):
        loaded.decide(child(), "refuser", CLAIRE)
    assert inscription_db.scalar(select(func.count()).select_from(Dossier)) == 1
    assert len(mails(loaded)) == 1


def test_the_lycée_and_the_collège_see_states_wishes_and_changed_data(loaded):
    enroll_to_summary(loaded)
    loaded.complete(child())
    loaded.decide(child(7), "refuser", CLAIRE)
    lycee = loaded.list_etablissement(LYCEE)
    assert lycee["role"] == "lycee"
    rows = {r["prenom"]: r for r in lycee["eleves"]}
    assert rows["Élève1"]["etat_texte"] == "Inscription terminée"
    assert rows["Élève7"]["etat_texte"] == "Ne s'inscrit pas" and rows["Élève8"]["etat_texte"] == "Pas de réponse"
    assert "Langue vivante A : Anglais" in rows["Élève1"]["voeux"]
    assert "Votre téléphone portable : +33612345678" in rows["Élève1"]["donnees"]
    counts = {c["etat"]: c["nombre"] for c in lycee["compteurs"]}
    assert counts["complet"] == 1 and counts["refuse"] == 1
    college = loaded.list_etablissement(COLLEGE)
    assert college["role"] == "college" and {r["prenom"] for r in college["eleves"]} >= {"Élève1", "Élève7"}
    text = loaded.export_csv(LYCEE)["csv"]
    assert text.startswith("\ufeffINE;Nom;Prénom;")
    line = next(x for x in text.splitlines() if x.startswith("0000000001A"))
    assert "Inscription terminée" in line and "Claire MARTIN" in line and "Latin" in line
