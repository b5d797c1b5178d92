"""Guide § 3.3 as the service keeps it: two tabs, each guardian sees only their
own data, edits are pending requests field by field, the last change wins,
one guardian's student changes at a time, the school accepts or refuses with
a confirmation mail, the régime never changes online, an adult student edits
their own data."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from common.errors import NotFound, ValidationError
from services.fiche.exceptions import FicheClosed, ModificationsEnAttente
from services.fiche.models import Demande, Eleve
from services.fiche.tests.conftest import (
    HUGO, LUCAS, LUCAS_ACCOUNT, MARIE, PHILIPPE, UAI, champs, child, sent_mails,
)


def requests_count(db) -> int:
    return db.scalar(select(func.count(Demande.id)))


def pending_ids(fiche, uai=UAI):
    dossier = fiche.dossier(uai, fiche.dossiers(uai)[0]["eleve_id"])
    return dossier["eleve_id"], {d["champ"]: d["id"] for d in dossier["en_attente"]}


def test_each_guardian_sees_the_student_and_only_their_own_data(fiche):
    philippe = fiche.fiche(child(account_id=PHILIPPE))
    marie = fiche.fiche(child(account_id=MARIE))

    assert champs(philippe["eleve"])["nom"] == ("MARTIN", None)
    assert champs(philippe["eleve"])["naissance"] == ("LE BLANC-MESNIL (93)", None)
    assert philippe["eleve"]["regime"] == "DEMI-PENSIONNAIRE AU TICKET"
    assert champs(philippe["responsable"])["prenom"] == ("Philippe", None)
    assert philippe["responsable"]["lien"] == "PÈRE" and philippe["responsable"]["rang"] == 1
    assert champs(marie["responsable"])["prenom"] == ("Marie", None)
    assert marie["responsable"]["rang"] == 2
    # Nothing of the other guardian, anywhere in the page's data.
    assert "DURAND" not in json.dumps(philippe) and "FOCH" not in json.dumps(philippe)
    assert "Philippe" not in json.dumps(marie) and "+33361169666" not in json.dumps(marie)
    # The student's address is RL1's, and shown as the guide's screen does.
    assert champs(marie["eleve"])["adresse"][0] == ("Identique à celle du responsable légal 1\n"
                                                     "1 RUE DU MOULIN\n59580 EMERCHICOURT")


def test_an_edit_is_pending_field_by_field_and_the_last_change_wins(fiche, fiche_db, clock):
    report = fiche.submit_changes(child(), "eleve", {"tel_portable": "07 81 23 45 67", "nom": "MARTIN"})
    assert report["enregistrees"] == ["tel_portable"] and report["inchangees"] == ["nom"]
    tab = fiche.fiche(child())["eleve"]
    assert champs(tab)["tel_portable"] == ("06 12 34 56 78", "07 81 23 45 67")

    clock.advance(timedelta(hours=1))
    fiche.submit_changes(child(), "eleve", {"tel_portable": "07 99 99 99 99"})
    assert champs(fiche.fiche(child())["eleve"])["tel_portable"] == ("06 12 34 56 78", "07 99 99 99 99")
    assert requests_count(fiche_db) == 1
    _eleve, ids = pending_ids(fiche)
    dossier = fiche.dossier(UAI, _eleve)
    assert [(d["avant"], d["apres"], d["demandeur"]) for d in dossier["en_attente"]] == [
        ("06 12 34 56 78", "07 99 99 99 99", "Philippe MARTIN")]

    # Edited back to the record's value: nothing is left to decide.
    report = fiche.submit_changes(child(), "eleve", {"tel_portable": "+33612345678"})
    assert report["retirees"] == ["tel_portable"]
    assert requests_count(fiche_db) == 0 and fiche.dossiers(UAI) == []


def test_one_guardian_at_a_time_on_the_student_data(fiche, fiche_db):
    fiche.submit_changes(child(account_id=PHILIPPE), "eleve", {"email": "hugo.martin@example.org"})

    marie = fiche.fiche(child(account_id=MARIE))
    assert marie["eleve"]["peut_modifier"] is False and "autre responsable" in marie["eleve"]["verrou"]
    assert champs(marie["eleve"])["email"] == ("hugo@example.org", "hugo.martin@example.org")
    with pytest.raises(ModificationsEnAttente):
        fiche.submit_changes(child(account_id=MARIE), "eleve", {"tel_portable": "0611223344"})
    assert requests_count(fiche_db) == 1
    # Her own data is hers to edit meanwhile; Philippe may go on with the student's.
    fiche.submit_changes(child(account_id=MARIE), "responsable", {"tel_portable": "0611223344"})
    fiche.submit_changes(child(account_id=PHILIPPE), "eleve", {"tel_personnel": "03 20 00 00 00"})
    assert fiche.fiche(child(account_id=PHILIPPE))["eleve"]["peut_modifier"] is True

    eleve_id, ids = pending_ids(fiche)
    fiche.decide(UAI, eleve_id, [{"demande_id": ids["email"], "decision": "accepter"},
                                 {"demande_id": ids["tel_personnel"], "decision": "refuser"}], account_id=9)
    assert fiche.fiche(child(account_id=MARIE))["eleve"]["peut_modifier"] is True
    report = fiche.submit_changes(child(account_id=MARIE), "eleve", {"tel_portable": "0611223344"})
    assert report["enregistrees"] == ["tel_portable"]


def test_accepted_change_becomes_the_record_for_both_guardians_with_a_mail(fiche, fiche_db):
    fiche.submit_changes(child(), "eleve", {"adresse": {"ligne1": "3 place Ajaccio", "code_postal": "20000",
                                                        "commune": "Ajaccio", "pays": "100"}})
    fiche.submit_changes(child(), "responsable", {"code_profession": "55"})
    eleve_id, ids = pending_ids(fiche)
    result = fiche.decide(UAI, eleve_id, [{"demande_id": ids["adresse"], "decision": "accepter"},
                                          {"demande_id": ids["code_profession"], "decision": "accepter"}],
                          account_id=9)
    assert result == {"acceptees": 2, "refusees": 0, "courriels": 1}

    for viewer in (PHILIPPE, MARIE):
        assert champs(fiche.fiche(child(account_id=viewer))["eleve"])["adresse"] == (
            "3 place Ajaccio\n20000 AJACCIO", None)
    assert champs(fiche.fiche(child())["responsable"])["code_profession"] == ("Employé de commerce", None)
    assert fiche_db.scalar(select(Eleve.code_commune_insee).where(Eleve.siecle_eleve_id == "1001")) == "2A004"
    [mail] = sent_mails(fiche)
    assert mail["kind"] == "fiche_modifications_acceptees" and mail["to"] == "philippe@example.org"
    assert mail["context"]["eleve_prenom"] == "Hugo" and mail["context"]["etablissement_nom"] == "COLLÈGE JEAN MOULIN"
    assert mail["context"]["modifications"] == ["Adresse : 3 place Ajaccio, 20000 AJACCIO",
                                                "Profession ou catégorie socio-professionnelle : Employé de commerce"]
    decisions = fiche.fiche(child())["decisions"]
    assert {(d["libelle"], d["etat"]) for d in decisions} == {
        ("Adresse", "acceptee"), ("Profession ou catégorie socio-professionnelle", "acceptee")}
    # The home page's tile counts the student's decided change only.
    [news_call] = fiche.news_events.call_args_list
    assert [i["key"] for i in news_call.args[1]["items"]] == [f"demande:{ids['adresse']}"]


def test_refused_change_keeps_the_record_and_the_family_reads_the_reason(fiche):
    fiche.submit_changes(child(account_id=MARIE), "eleve", {"prenom2": "Jean"})
    eleve_id, ids = pending_ids(fiche)
    fiche.decide(UAI, eleve_id, [{"demande_id": ids["prenom2"], "decision": "refuser",
                                  "motif": "Pièce d'état civil nécessaire"}], account_id=9)
    assert champs(fiche.fiche(child(account_id=MARIE))["eleve"])["prenom2"] == ("", None)
    [decision] = fiche.fiche(child(account_id=MARIE))["decisions"]
    assert (decision["etat"], decision["motif"]) == ("refusee", "Pièce d'état civil nécessaire")
    # Philippe did not ask: the outcome is Marie's to read.
    assert fiche.fiche(child(account_id=PHILIPPE))["decisions"] == []
    [mail] = sent_mails(fiche)
    assert mail["kind"] == "fiche_modifications_refusees" and mail["to"] == "marie@example.org"
    assert mail["context"]["motif"] == "Pièce d'état civil nécessaire"
    assert mail["context"]["modifications"] == ["Deuxième prénom : Jean"]


def test_a_decision_is_taken_once(fiche):
    fiche.submit_changes(child(), "eleve", {"prenom2": "Jean"})
    eleve_id, ids = pending_ids(fiche)
    fiche.decide(UAI, eleve_id, [{"demande_id": ids["prenom2"], "decision": "accepter"}], account_id=9)
    with pytest.raises(ValidationError) as refused:
        fiche.decide(UAI, eleve_id, [{"demande_id": ids["prenom2"], "decision": "refuser"}], account_id=9)
    assert refused.value.errors == {"decisions": {"0": ["Cette demande a déjà été traitée."]}}
    assert len(sent_mails(fiche)) == 1


@pytest.mark.parametrize("field", ["code_regime", "regime"])
def test_the_regime_is_never_editable_even_by_a_forged_request(fiche, fiche_db, field):
    with pytest.raises(ValidationError) as refused:
        fiche.submit_changes(child(), "eleve", {field: "0", "tel_portable": "0781234567"})
    assert refused.value.errors == {field: ["Le régime n'est pas modifiable en ligne."]}
    assert requests_count(fiche_db) == 0
    assert fiche.fiche(child())["eleve"]["regime"] == "DEMI-PENSIONNAIRE AU TICKET"


def test_an_adult_student_edits_their_own_data_and_sees_no_guardian(fiche):
    lucas = child(eleve_id=LUCAS, account_id=LUCAS_ACCOUNT, role="eleve", majeur=True)
    page = fiche.fiche(lucas)
    assert page["responsable"] is None and "Sophie" not in json.dumps(page)
    assert champs(page["eleve"])["naissance"] == ("BERLIN (ALLEMAGNE)", None)
    fiche.submit_changes(lucas, "eleve", {"email": "lucas.lefebvre@example.org"})
    assert champs(fiche.fiche(lucas)["eleve"])["email"][1] == "lucas.lefebvre@example.org"
    with pytest.raises(Exception):
        fiche.submit_changes(lucas, "responsable", {"tel_portable": "0612345678"})
    eleve_id, ids = pending_ids(fiche)
    fiche.decide(UAI, eleve_id, [{"demande_id": ids["email"], "decision": "accepter"}], account_id=9)
    [mail] = sent_mails(fiche)
    assert mail["to"] == "lucas@example.org" and mail["context"]["prenom"] == "Lucas"


def test_a_minor_student_has_no_fiche(fiche):
    hugo = child(account_id=77, role="eleve", majeur=False)
    assert fiche.menus([hugo]) == [{"eleve_id": HUGO, "menu": None, "per_child": False}]
    with pytest.raises(FicheClosed):
        fiche.fiche(hugo)


def test_a_student_not_theirs_is_not_found_and_nothing_is_stored(fiche, fiche_db):
    with pytest.raises(NotFound):
        fiche.fiche(child(eleve_id=LUCAS, account_id=PHILIPPE))
    with pytest.raises(NotFound):
        fiche.submit_changes(child(eleve_id=LUCAS, account_id=PHILIPPE), "eleve", {"prenom": "Luc"})
    assert requests_count(fiche_db) == 0


def test_open_by_default_and_staff_can_close_it(fiche):
    assert fiche.menus([child()])[0]["menu"] == {"label": "Fiche de renseignements", "path": "/fiche/", "order": 50}
    assert fiche.get_openings([UAI])[UAI]["open"] is True
    fiche.set_opening(UAI, False, account_id=9)
    assert fiche.menus([child()])[0]["menu"] is None
    with pytest.raises(FicheClosed):
        fiche.fiche(child())
    with pytest.raises(FicheClosed):
        fiche.submit_changes(child(), "eleve", {"prenom2": "Jean"})


def test_export_lists_accepted_changes_in_siecle_names(fiche):
    fiche.submit_changes(child(), "eleve", {"tel_portable": "07 81 23 45 67", "prenom2": "Jean"})
    fiche.submit_changes(child(), "responsable", {"adresse": {
        "ligne1": "Hauptstraße 5", "commune": "10115 Berlin", "pays": "109"}, "accepte_sms": "oui"})
    eleve_id, ids = pending_ids(fiche)
    fiche.decide(UAI, eleve_id, [{"demande_id": ids["tel_portable"], "decision": "accepter"},
                                 {"demande_id": ids["prenom2"], "decision": "refuser"},
                                 {"demande_id": ids["adresse"], "decision": "accepter"},
                                 {"demande_id": ids["accepte_sms"], "decision": "accepter"}], account_id=9)
    result = fiche.export_acceptees(UAI)
    assert result["demandes"] == 3
    lines = [line.split(";") for line in result["csv"].lstrip("\ufeff").splitlines()]
    assert lines[0] == ["TYPE", "ELEVE_ID", "PERSONNE_ID", "NOM_DE_FAMILLE", "PRENOM", "RUBRIQUE",
                        "ANCIENNE_VALEUR", "NOUVELLE_VALEUR", "DATE_DEMANDE", "DATE_DECISION"]
    changes = {(row[0], row[1] or row[2], row[5]): (row[6], row[7]) for row in lines[1:]}
    assert changes == {
        ("ELEVE", "1001", "TEL_PORTABLE"): ("+33612345678", "+33781234567"),
        ("PERSONNE", "5001", "LIGNE1_ADRESSE"): ("1 RUE DU MOULIN", "Hauptstraße 5"),
        ("PERSONNE", "5001", "CODE_POSTAL"): ("59580", ""),
        ("PERSONNE", "5001", "LIBELLE_POSTAL"): ("EMERCHICOURT", ""),
        ("PERSONNE", "5001", "CODE_COMMUNE_INSEE"): ("59192", ""),
        ("PERSONNE", "5001", "COMMUNE_ETRANGERE"): ("", "10115 BERLIN"),
        ("PERSONNE", "5001", "CODE_PAYS"): ("100", "109"),
        ("PERSONNE", "5001", "ACCEPTE_SMS"): ("0", "1"),
    }
    assert fiche.export_acceptees(UAI, depuis="2030-01-01T00:00:00+00:00")["demandes"] == 0


def test_reimport_keeps_pending_requests_and_closes_students_who_left(fiche, fiche_db):
    from services.fiche.tests.conftest import payload

    fiche.submit_changes(child(), "eleve", {"prenom2": "Jean"})
    data = payload()
    data["eleves"][1]["date_sortie"] = "2026-10-01"
    report = fiche.import_siecle(data)
    assert report["updated"]["eleves_sortis"] == 1
    assert champs(fiche.fiche(child())["eleve"])["prenom2"] == ("", "Jean")
    with pytest.raises(NotFound):
        fiche.fiche(child(eleve_id=LUCAS, account_id=LUCAS_ACCOUNT, role="eleve", majeur=True))
