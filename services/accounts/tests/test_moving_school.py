"""FAQ: "Mon enfant change d'établissement. Les comptes enfants et parents
sont-ils conservés ? S'il reste dans l'académie, les comptes sont conservés."
The student is matched by INE, the guardian by name among the child's former
legal guardians."""
from services.accounts.tests.conftest import activate, confirmed_guardian
from tests.helpers import letters_by_name


def school(uai, nom, eleve_id, classe, guardian="Philippe"):
    return {
        "etablissement": {"uai": uai, "nom": nom, "type": "college", "commune": "LILLE"},
        "eleves": [{"siecle_eleve_id": eleve_id, "ine": "070707070AB", "nom": "MARTIN", "prenom": "Hugo",
                    "date_naissance": "2012-04-04", "classe": classe}],
        "personnes": [{"siecle_personne_id": f"p{eleve_id}", "civilite": "M.", "nom": "MARTIN",
                       "prenom": guardian}],
        "liens": [{"siecle_eleve_id": eleve_id, "siecle_personne_id": f"p{eleve_id}",
                   "niveau_responsabilite": 1, "code_parente": "20"}],
    }


def test_a_student_and_guardian_who_change_school_keep_their_accounts(service):
    service.import_siecle(payload=school("0590001A", "COLLÈGE A", "1", "5A"))
    letters = letters_by_name(service.issue_letters(uai="0590001A"))
    hugo = activate(service, letters["Hugo MARTIN"], "2012-04-04", password="hugo2026ab")
    confirmed_guardian(service, letters["Philippe MARTIN"], "2012-04-04", "philippe@example.org",
                       password="papa2026ab")

    report = service.import_siecle(payload=school("0590002B", "COLLÈGE B", "77", "4C"))
    assert "comptes_eleves" not in report["created"] and "comptes_responsables" not in report["created"]
    assert report["updated"]["comptes_eleves_suivis"] == 1
    assert report["updated"]["comptes_responsables_suivis"] == 1
    # No new letter for them: their accounts are in use.
    assert all(letter["password"] is None for letter in service.issue_letters(uai="0590002B"))

    view = service.get_session(token=hugo)
    assert [(c["prenom"], c["etablissement_nom"], c["classe"]) for c in view["children"]] == [
        ("Hugo", "COLLÈGE B", "4C")]
    token = service.login(identifiant=letters["Philippe MARTIN"]["identifiant"], password="papa2026ab")["token"]
    children = service.get_session(token=token)["children"]
    assert [(c["prenom"], c["etablissement_nom"]) for c in children] == [("Hugo", "COLLÈGE B")]


def test_another_person_at_the_new_school_does_not_inherit_the_account(service):
    service.import_siecle(payload=school("0590001A", "COLLÈGE A", "1", "5A"))
    letters = letters_by_name(service.issue_letters(uai="0590001A"))
    activate(service, letters["Hugo MARTIN"], "2012-04-04")
    confirmed_guardian(service, letters["Philippe MARTIN"], "2012-04-04", "philippe@example.org")

    report = service.import_siecle(payload=school("0590002B", "COLLÈGE B", "77", "4C", guardian="Karim"))
    assert report["created"]["comptes_responsables"] == 1
    new_letters = letters_by_name(service.issue_letters(uai="0590002B"))
    assert new_letters["Karim MARTIN"]["password"]
