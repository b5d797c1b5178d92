"""Who may enroll online (FAQ, domain § 2): first round, a lycée of the
académie, an entry training (2nde GT, 2nde pro, 2nde BT, 1re année CAP); a
private collège's student assigned to a public lycée too; guardians only,
from the menu of the child's current collège; the assignment results as
imported."""
import pytest
from sqlalchemy import func, select

from common.errors import NotFound, ValidationError
from services.inscription.exceptions import EtapeRefusee
from services.inscription.models import Affectation, Dossier
from services.inscription.tests.conftest import ANNEE, CASES, CLAIRE, COLLEGE, PRIVE, child, row

ENTRY = {"label": "Inscription au lycée", "path": "/inscription/", "order": 70}


def _menu(service, context):
    return service.menus([context])[0]["menu"]


@pytest.mark.parametrize("eleve_id, eligible", [
    (1, True),   # 2nde GT, first round
    (7, True),   # 2nde professionnelle
    (8, True),   # 1re année de CAP
    (9, True),   # 2nde de brevet de technicien
    (4, True),   # private collège, public lycée of the académie
    (2, False),  # second round
    (3, False),  # 1re générale: not an entry training
    (5, False),  # private lycée
    (6, False),  # lycée of another académie
])
def test_eligibility_by_training_round_and_origin(loaded, inscription_db, eleve_id, eligible):
    context = child(eleve_id, uai=CASES[eleve_id][0])
    assert (_menu(loaded, context) == ENTRY) is eligible
    page = loaded.page(context)
    assert page["eligible"] is eligible and page["peut_decider"] is eligible
    if eligible:
        loaded.decide(context, "inscrire", CLAIRE)
        assert inscription_db.scalar(select(func.count()).select_from(Dossier)) == 1
    else:
        assert "directement" in page["refus"]
        with pytest.raises(EtapeRefusee):
            loaded.decide(context, "inscrire", CLAIRE)
        assert inscription_db.scalar(select(func.count()).select_from(Dossier)) == 0


def test_a_second_round_assignment_says_to_enroll_at_the_lycee(loaded):
    assert loaded.page(child(2))["refus"] == (
        "L'inscription en ligne concerne les affectations du premier tour\u00a0: pour une affectation du 2e tour, "
        "l'inscription se fait directement au lycée.")


def test_a_student_account_never_sees_the_service(loaded):
    own = child(1, role="eleve", viewer=901)
    assert _menu(loaded, own) is None
    with pytest.raises(NotFound):
        loaded.page(own)
    with pytest.raises(NotFound):
        loaded.decide(own, "inscrire", CLAIRE)


def test_the_entry_is_in_the_menu_of_the_current_collège_only(loaded):
    assert _menu(loaded, child(1, uai=COLLEGE)) == ENTRY
    # The same student seen from another establishment's menu: nothing.
    assert _menu(loaded, child(1, uai=PRIVE)) is None
    with pytest.raises(NotFound):
        loaded.page(child(1, uai=PRIVE))


def test_an_unknown_student_is_skipped_and_a_malformed_line_refuses_the_file(loaded, inscription_db):
    stranger = row(1, ine="9999999999Z")
    report = loaded.import_affectations(ANNEE, [row(1, formation="2nde GT (mise à jour)"), stranger])
    assert report["mises_a_jour"] == 1 and report["creees"] == 0
    assert report["ignorees"] == ["ligne 2 : élève Élève1 MARTIN (INE 9999999999Z) inconnu du collège 0591234X."]
    before = inscription_db.scalar(select(func.count()).select_from(Affectation))
    with pytest.raises(ValidationError) as exc:
        loaded.import_affectations(ANNEE, [row(7, formation="changed"), row(8, mef="123", tour="premier")])
    [message] = exc.value.errors["affectations"]
    assert message.startswith("ligne 2\u00a0: ") and "Code MEF invalide (11 chiffres)." in message
    assert inscription_db.scalar(select(func.count()).select_from(Affectation)) == before
    assert inscription_db.scalar(select(Affectation.formation).where(Affectation.eleve_id == 7)) != "changed"
