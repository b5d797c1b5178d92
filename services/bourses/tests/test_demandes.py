"""The family's application: a draft kept and resumed, bad input refused
with its message beside its field and nothing stored, one application per
student per year (collège) or per lycée course, an application that is not
the viewer's never shown, the acknowledgement with its number."""
import pytest
from sqlalchemy import func, select

from common.errors import Forbidden, NotFound, ValidationError
from services.bourses.exceptions import FiscalUnavailable
from services.bourses.models import Demande, Evenement
from services.bourses.tests.conftest import (
    DEMANDEUR, ELEVE, IN_CAMPAIGN, LYCEE_UAI, bareme_file, child, form,
)

NB = "\u00a0"


@pytest.fixture
def campaign(loaded, clock):
    clock.move_to(IN_CAMPAIGN)
    return loaded


def _counts(db):
    return (db.scalar(select(func.count()).select_from(Demande)),
            db.scalar(select(func.count()).select_from(Evenement)))


def test_a_draft_is_kept_and_resumed_then_filed(campaign, bourses_db):
    page = campaign.save_draft(child(), {"situation": "personne_seule", "enfants_a_charge": "3",
                                         "revenu_fiscal_reference": ""}, DEMANDEUR, ELEVE)
    assert page["brouillon"] == {"situation": "personne_seule", "enfants_a_charge": 3, "revenu_fiscal_reference": None,
                                 "revenu_fiscal_reference_2": None, "annee_avis": None}
    # Another visit: the draft is there, completed, still one row.
    assert campaign.page(child())["brouillon"]["enfants_a_charge"] == 3
    campaign.save_draft(child(), {"situation": "personne_seule", "enfants_a_charge": "3",
                                  "revenu_fiscal_reference": "14 000"}, DEMANDEUR, ELEVE)
    assert campaign.page(child())["brouillon"]["revenu_fiscal_reference"] == 14000
    assert _counts(bourses_db) == (1, 0)
    filed = campaign.submit(child(), form(situation="personne_seule", enfants_a_charge="3",
                                          revenu_fiscal_reference="14 000"), DEMANDEUR, ELEVE)
    assert _counts(bourses_db) == (1, 1)
    page = campaign.page(child())
    assert page["brouillon"] is None and [d["numero"] for d in page["demandes"]] == [filed["numero"]]
    assert filed["estimation_echelon"] == 2


def test_a_draft_with_a_wrong_field_is_refused_and_the_kept_draft_is_unchanged(campaign, bourses_db):
    campaign.save_draft(child(), {"enfants_a_charge": "2"}, DEMANDEUR, ELEVE)
    with pytest.raises(ValidationError) as exc:
        campaign.save_draft(child(), {"enfants_a_charge": "5", "revenu_fiscal_reference": "-3"}, DEMANDEUR, ELEVE)
    assert exc.value.errors == {"revenu_fiscal_reference": ["Le revenu fiscal de référence ne peut pas être négatif."]}
    assert campaign.page(child())["brouillon"]["enfants_a_charge"] == 2


def test_filing_gives_a_number_an_estimate_and_sends_the_acknowledgement(campaign):
    filed = campaign.submit(child(), form(), DEMANDEUR, ELEVE)
    assert filed["numero"] == f"BC2024-{filed['id']:06d}"
    assert filed["statut_texte"] == "Déposée, en attente d'examen"
    assert (filed["estimation_echelon"], filed["estimation_montant"]) == (2, 315)
    (event, payload), _ = campaign.mail_events.call_args
    assert event == "mail_requested"
    [mail] = payload["messages"]
    assert (mail["kind"], mail["to"], mail["not_before"]) == ("bourse_accuse_reception", DEMANDEUR["email"], None)
    assert mail["context"]["numero"] == filed["numero"]
    assert mail["context"]["estimation"] == f"Échelon 2, soit 315{NB}€ par an, versés en trois fois (un versement " \
                                            "par trimestre)."
    # Filing is not news to whoever filed; the school's steps are (test_review).
    assert not campaign.news_events.called


@pytest.mark.parametrize("changes, field, message", [
    ({"revenu_fiscal_reference": "-12000"}, "revenu_fiscal_reference",
     "Le revenu fiscal de référence ne peut pas être négatif."),
    ({"revenu_fiscal_reference": "120000000"}, "revenu_fiscal_reference",
     "Montant invraisemblable : vérifiez le revenu fiscal de référence de votre avis d'impôt."),
    ({"revenu_fiscal_reference": "douze mille"}, "revenu_fiscal_reference",
     "Indiquez un montant en euros, en chiffres (par exemple 17 927)."),
    ({"revenu_fiscal_reference": "11928,50"}, "revenu_fiscal_reference",
     "Indiquez un montant en euros, sans centimes, tel qu'il figure sur l'avis d'impôt."),
    ({"revenu_fiscal_reference": ""}, "revenu_fiscal_reference", "Ce champ est obligatoire."),
    ({"enfants_a_charge": "0"}, "enfants_a_charge",
     "Comptez au moins l'enfant pour qui vous demandez la bourse : 1 enfant à charge au minimum."),
    ({"enfants_a_charge": "-1"}, "enfants_a_charge",
     "Comptez au moins l'enfant pour qui vous demandez la bourse : 1 enfant à charge au minimum."),
    ({"enfants_a_charge": "45"}, "enfants_a_charge", "Nombre d'enfants à charge invraisemblable (20 au plus)."),
    ({"enfants_a_charge": "deux"}, "enfants_a_charge", "Nombre entier attendu."),
    ({"situation": "celibataire"}, "situation", "Choisissez la situation du foyer dans la liste."),
    ({"situation": "vie_maritale"}, "revenu_fiscal_reference_2",
     "Un couple en vie maritale déclare deux avis : indiquez le revenu fiscal de référence du second."),
    ({"annee_avis": "2022"}, "annee_avis", "Pour l'année scolaire 2024-2025, indiquez le revenu fiscal de référence "
                                           "de l'avis d'impôt 2024 (sur les revenus 2023)."),
])
def test_bad_input_is_refused_beside_its_field_and_nothing_is_stored(campaign, bourses_db, changes, field, message):
    with pytest.raises(ValidationError) as exc:
        campaign.submit(child(), form(**changes), DEMANDEUR, ELEVE)
    assert exc.value.errors[field] == [message.replace(" :", f"{NB}:")]
    assert _counts(bourses_db) == (0, 0)
    assert not campaign.mail_events.called


def test_one_application_per_student_and_year_whoever_files_it(campaign, bourses_db):
    campaign.submit(child(1), form(), DEMANDEUR, ELEVE)
    with pytest.raises(ValidationError) as exc:
        campaign.submit(child(1), form(revenu_fiscal_reference="3 000"), DEMANDEUR, ELEVE)
    assert exc.value.errors["demande"] == [
        f"Une demande de bourse de collège a déjà été déposée pour cet élève pour l'année scolaire 2024-2025 "
        f"(vous l'avez déposée le 16/09/2024){NB}: une seule demande par élève."]
    other_guardian = child(1, viewer=777)
    assert campaign.page(other_guardian)["peut_deposer"] is False
    with pytest.raises(ValidationError) as exc:
        campaign.submit(other_guardian, form(), {"prenom": "Paul", "nom": "Martin", "email": "p@example.fr"}, ELEVE)
    assert "un autre responsable l'a déposée" in exc.value.errors["demande"][0]
    assert _counts(bourses_db) == (1, 1)


def _next_year(service, clock, niveau):
    rows = bareme_file()[(2024, niveau)]
    service.load_bareme(2025, niveau, rows)
    service.save_campagne({"annee_scolaire": "2025", "niveau": niveau, "ouverture": "01/09/2025",
                           "cloture": "16/10/2025"}, account_id=1)
    clock.move_to(IN_CAMPAIGN.replace(year=2025))


def test_a_collège_student_applies_again_the_next_year(campaign, clock):
    campaign.submit(child(1), form(), DEMANDEUR, ELEVE)
    _next_year(campaign, clock, "college")
    again = campaign.submit(child(1), form(annee_avis="2025"), DEMANDEUR, ELEVE)
    assert again["numero"].startswith("BC2025-")


def test_a_lycée_bourse_granted_holds_for_the_whole_course(campaign, clock):
    lyceen = child(3, uai=LYCEE_UAI)
    filed = campaign.submit(lyceen, form(), DEMANDEUR, ELEVE)
    campaign.review(LYCEE_UAI, filed["id"], {"action": "complete"}, 9)
    campaign.review(LYCEE_UAI, filed["id"], {"action": "accorder", "echelon": "4"}, 9)
    _next_year(campaign, clock, "lycee")
    with pytest.raises(ValidationError) as exc:
        campaign.submit(lyceen, form(annee_avis="2025"), DEMANDEUR, ELEVE)
    assert exc.value.errors["demande"] == [
        f"Une bourse de lycée a déjà été accordée à cet élève{NB}: elle vaut pour toute la scolarité au lycée, "
        "aucune nouvelle demande n'est à faire."]


def test_after_a_lycée_refusal_the_family_may_apply_the_next_year(campaign, clock):
    lyceen = child(3, uai=LYCEE_UAI)
    filed = campaign.submit(lyceen, form(), DEMANDEUR, ELEVE)
    campaign.review(LYCEE_UAI, filed["id"], {"action": "refuser", "motif": "Ressources au-dessus du plafond."}, 9)
    _next_year(campaign, clock, "lycee")
    assert campaign.submit(lyceen, form(annee_avis="2025"), DEMANDEUR, ELEVE)["numero"].startswith("BL2025-")


def test_an_adult_lycée_student_applies_for_themself_and_a_minor_student_cannot(campaign, bourses_db):
    adult = child(4, uai=LYCEE_UAI, role="eleve", majeur=True)
    assert campaign.submit(adult, form(), {"prenom": "Inès", "nom": "Roy", "email": "ines@example.fr"},
                           {"prenom": "Inès", "nom": "Roy"})["demandeur_role"] == "eleve"
    with pytest.raises(Forbidden) as exc:
        campaign.submit(child(5, uai=LYCEE_UAI, role="eleve"), form(), {}, {})
    assert str(exc.value) == "La demande de bourse est faite par un responsable légal de l'élève."
    with pytest.raises(Forbidden) as exc:
        campaign.submit(child(6, uai=LYCEE_UAI, majeur=True), form(), {}, {})
    assert str(exc.value) == "Un lycéen majeur fait lui-même sa demande de bourse, depuis son propre compte."
    assert _counts(bourses_db) == (1, 1)


def test_an_application_that_is_not_the_viewers_is_never_shown(campaign):
    filed = campaign.submit(child(1), form(), DEMANDEUR, ELEVE)
    stranger = child(1, viewer=999)
    assert campaign.page(stranger)["demandes"] == []
    for who in (stranger, child(2, viewer=501)):
        with pytest.raises(NotFound):
            campaign.document(who, filed["id"], "accuse")
    with pytest.raises(NotFound):
        campaign.document(child(1), "1 OR 1=1", "accuse")


def test_the_tax_administration_entry_point_says_to_type_the_figures(campaign):
    with pytest.raises(FiscalUnavailable):
        campaign.fetch_tax_data(child(), "1234567890123", 2024)
    with pytest.raises(ValidationError) as exc:
        campaign.fetch_tax_data(child(), "12AB", 2024)
    assert list(exc.value.errors) == ["numero_fiscal"]


def test_an_unknown_child_context_is_refused(campaign):
    with pytest.raises(ValidationError):
        campaign.submit({"eleve_id": "x"}, form(), DEMANDEUR, ELEVE)
