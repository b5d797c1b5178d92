"""The new school year in accounts (FAQ "Suis-je obligé de créer un nouveau
compte chaque année ?", "Mon enfant change d'établissement"): year N is
imported, the clock moves to year N+1, and the new year's files are imported.
Runs on SQLite and PostgreSQL."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from common.errors import ValidationError

from services.accounts import import_child, importing
from services.accounts.models import Account, Eleve, Lien, Responsable
from services.accounts.tests.conftest import activate, confirmed_guardian
from tests.helpers import letters_by_name

COLLEGE, LYCEE = "0590001A", "0590002B"
YEAR_N = datetime(2026, 10, 1, 8, 0, tzinfo=timezone.utc)
RENTREE = datetime(2027, 9, 1, 8, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True, params=["in-process", "in-child"])
def where(request, monkeypatch):
    """Every rule below, for an import run in the service's process and for
    one run in a child process (a large establishment's, import_child.py)."""
    if request.param == "in-child":
        monkeypatch.setattr(import_child, "CHILD_FROM_STUDENTS", 0)
    return request.param


def student(sid, prenom, nom, birth, classe, ine=None):
    return {"siecle_eleve_id": sid, "ine": ine, "nom": nom, "prenom": prenom, "date_naissance": birth,
            "classe": classe}


def college(classes=None, without=(), extra=0, liens_without=()):
    """The collège: the MARTIN children (Hugo in 3e, Léa), Zoé DURAND, and
    `extra` more students."""
    classes = classes or {}
    eleves = [student("101", "Hugo", "MARTIN", "2012-04-04", classes.get("101", "3A"), ine="070707070AB"),
              student("102", "Léa", "MARTIN", "2014-01-02", classes.get("102", "6B")),
              student("103", "Zoé", "DURAND", "2013-06-30", classes.get("103", "5A"))]
    eleves += [student(f"9{i:03d}", f"Élève{i}", "NOMBRE", "2013-01-01", "5C") for i in range(extra)]
    liens = [("101", "201"), ("102", "201"), ("101", "202"), ("102", "202"), ("103", "203")]
    return {
        "etablissement": {"uai": COLLEGE, "nom": "COLLÈGE JEAN MOULIN", "type": "college", "commune": "LILLE"},
        "eleves": [e for e in eleves if e["siecle_eleve_id"] not in without],
        "personnes": [
            {"siecle_personne_id": "201", "nom": "MARTIN", "prenom": "Philippe", "civilite": "M.",
             "email": "philippe@example.org"},
            {"siecle_personne_id": "202", "nom": "MARTIN", "prenom": "Claire", "civilite": "MME"},
            {"siecle_personne_id": "203", "nom": "DURAND", "prenom": "Paul", "civilite": "M."},
        ],
        "liens": [{"siecle_eleve_id": e, "siecle_personne_id": p, "niveau_responsabilite": 1, "code_parente": "20"}
                  for e, p in liens if e not in without and (e, p) not in liens_without],
    }


def lycee():
    """The lycée Hugo goes to in seconde, with his father."""
    return {
        "etablissement": {"uai": LYCEE, "nom": "LYCÉE PASTEUR", "type": "lycee", "commune": "LILLE"},
        "eleves": [student("7001", "Hugo", "MARTIN", "2012-04-04", "2NDE3", ine="070707070AB")],
        "personnes": [{"siecle_personne_id": "8001", "nom": "MARTIN", "prenom": "Philippe", "civilite": "M."}],
        "liens": [{"siecle_eleve_id": "7001", "siecle_personne_id": "8001", "niveau_responsabilite": 1,
                   "code_parente": "20"}],
    }


def year_n(service, clock, **kwargs):
    clock.move_to(YEAR_N)
    service.import_siecle(payload=college(**kwargs))
    return letters_by_name(service.issue_letters(uai=COLLEGE))


def children_of(service, letter, password="soleil2026"):
    """What the person sees after logging in now."""
    token = service.login(identifiant=letter["identifiant"], password=password)["token"]
    return [(c["prenom"], c["etablissement_nom"], c["classe"], c["sorti_le"])
            for c in service.get_session(token=token)["children"]]


def snapshot(db):
    """Everything the import may touch, as rows."""
    db.expire_all()
    return {
        "eleves": sorted((e.id, e.etablissement_uai, e.classe, e.active, str(e.date_sortie)) for e in db.scalars(select(Eleve))),
        "responsables": sorted((r.id, r.nom, r.email, r.account_id) for r in db.scalars(select(Responsable))),
        "liens": sorted((li.id, li.eleve_id, li.responsable_id, str(li.ended_on), li.end_kind)
                        for li in db.scalars(select(Lien))),
        "accounts": sorted((a.id, a.identifiant, a.eleve_id) for a in db.scalars(select(Account))),
    }


def test_the_new_year_keeps_every_account_and_updates_what_changed(service, clock, accounts_db):
    letters = year_n(service, clock)
    accounts_before = snapshot(accounts_db)["accounts"]
    philippe = letters["Philippe MARTIN"]
    confirmed_guardian(service, philippe, "2012-04-04", "philippe@example.org")

    clock.move_to(RENTREE)
    report = service.import_siecle(payload=college(classes={"102": "5B", "103": "4A"}))

    assert report["created"] == {}
    assert report["updated"] == {"eleves": 2}
    assert report["unchanged"] == {"eleves": 1, "responsables": 3}
    assert snapshot(accounts_db)["accounts"] == accounts_before
    assert children_of(service, philippe) == [("Hugo", "COLLÈGE JEAN MOULIN", "3A", None),
                                              ("Léa", "COLLÈGE JEAN MOULIN", "5B", None)]


def test_importing_the_same_file_twice_changes_nothing(service, clock, accounts_db):
    year_n(service, clock)
    clock.move_to(RENTREE)
    service.import_siecle(payload=college(classes={"102": "5B"}, without=("103",)))
    before = snapshot(accounts_db)

    report = service.import_siecle(payload=college(classes={"102": "5B"}, without=("103",)))

    assert report["created"] == {} and report["updated"] == {}
    assert snapshot(accounts_db) == before


def test_a_guardian_whose_child_left_sees_them_five_months_then_nothing(service, clock, accounts_db):
    letters = year_n(service, clock)
    paul, zoe = letters["Paul DURAND"], letters["Zoé DURAND"]
    confirmed_guardian(service, paul, "2013-06-30", "paul@example.org")
    activate(service, zoe, "2013-06-30")

    clock.move_to(RENTREE)
    report = service.import_siecle(payload=college(without=("103",)))

    assert report["updated"]["eleves_sortis"] == 1
    # Still listed, as a former student (only services for former students answer).
    assert children_of(service, paul) == [("Zoé", "COLLÈGE JEAN MOULIN", "5A", "2027-09-01")]
    lien = accounts_db.scalar(select(Lien).join(Eleve).where(Eleve.siecle_eleve_id == "103"))
    assert (str(lien.ended_on), lien.end_kind) == ("2027-09-01", "sortie")
    journal = [line for line in service.audit_log(identifiant=paul["identifiant"])
               if line["label"] == "Lien avec un élève terminé"]
    assert [line["detail"] for line in journal] == [
        "Zoé DURAND (COLLÈGE JEAN MOULIN), fin le 01/09/2027 : "
        "absent du fichier SIECLE importé le 01/09/2027 : sorti de l'établissement"]

    # Her own account too.
    assert children_of(service, zoe) == [("Zoé", "COLLÈGE JEAN MOULIN", "5A", "2027-09-01")]

    clock.move_to(datetime(2028, 2, 1, 10, 0, tzinfo=timezone.utc))
    assert [c[0] for c in children_of(service, paul)] == ["Zoé"]
    clock.move_to(datetime(2028, 2, 2, 10, 0, tzinfo=timezone.utc))
    assert children_of(service, paul) == []
    assert children_of(service, zoe) == []


# An establishment's guardians are written in chunks (importing.CHUNK, for
# memory): a chunk of one guardian must do what a single chunk does.
CHUNKS = pytest.mark.parametrize("chunk", [importing.CHUNK, 1], ids=["one-chunk", "chunks-of-1"])


@CHUNKS
def test_a_student_who_moves_from_college_to_lycee_keeps_both_accounts(service, clock, accounts_db, chunk,
                                                                       monkeypatch):
    monkeypatch.setattr(importing, "CHUNK", chunk)
    letters = year_n(service, clock)
    philippe = letters["Philippe MARTIN"]
    confirmed_guardian(service, philippe, "2012-04-04", "philippe@example.org")

    clock.move_to(RENTREE)
    # The collège's file comes first: Hugo seems to leave, then the lycée has him.
    service.import_siecle(payload=college(without=("101",)))
    report = service.import_siecle(payload=lycee())

    assert "comptes_eleves" not in report["created"] and "comptes_responsables" not in report["created"]
    assert report["updated"]["comptes_eleves_suivis"] == 1
    assert report["updated"]["comptes_responsables_suivis"] == 1
    assert children_of(service, philippe) == [("Hugo", "LYCÉE PASTEUR", "2NDE3", None),
                                              ("Léa", "COLLÈGE JEAN MOULIN", "6B", None)]
    hugo_account = accounts_db.scalar(select(Account).where(Account.identifiant == letters["Hugo MARTIN"]["identifiant"]))
    assert hugo_account.etablissement_uai == LYCEE
    old = accounts_db.scalars(select(Lien).join(Eleve).where(Eleve.siecle_eleve_id == "101")).all()
    assert {li.end_kind for li in old} == {"changement"}
    assert all("vers LYCÉE PASTEUR" in li.end_reason for li in old)


@CHUNKS
def test_a_link_the_file_no_longer_holds_ends_with_when_and_why(service, clock, accounts_db, chunk, monkeypatch):
    monkeypatch.setattr(importing, "CHUNK", chunk)
    letters = year_n(service, clock)
    claire = letters["Claire MARTIN"]
    confirmed_guardian(service, claire, "2012-04-04", "claire@example.org")

    clock.move_to(RENTREE)
    report = service.import_siecle(payload=college(liens_without=(("101", "202"),)))

    assert report["updated"]["liens_termines"] == 1
    assert [c[0] for c in children_of(service, claire)] == ["Léa"]
    lien = accounts_db.scalar(select(Lien).join(Eleve).join(Responsable).where(
        Eleve.siecle_eleve_id == "101", Responsable.siecle_personne_id == "202"))
    assert (str(lien.ended_on), lien.end_kind) == ("2027-09-01", "retire")
    assert lien.end_reason == "lien absent du fichier SIECLE importé le 01/09/2027"

    # Back in next year's file: the same link again, not a new one.
    service.import_siecle(payload=college())
    accounts_db.refresh(lien)
    assert lien.ended_on is None
    assert [c[0] for c in children_of(service, claire)] == ["Hugo", "Léa"]


def test_a_truncated_file_is_refused_with_a_report_unless_confirmed(service, clock, accounts_db):
    year_n(service, clock, extra=20)
    clock.move_to(RENTREE)
    before = snapshot(accounts_db)

    truncated = college(extra=20)
    truncated["eleves"] = truncated["eleves"][:3]
    report = service.import_siecle(payload=truncated)

    assert report["refused"]["eleves_actifs"] == 23
    assert report["refused"]["eleves_detaches"] == 20
    assert "Rien n'a été modifié" in report["refused"]["message"]
    assert snapshot(accounts_db) == before

    confirmed = service.import_siecle(payload=truncated, confirm=True)
    assert "refused" not in confirmed
    assert confirmed["updated"]["eleves_sortis"] == 20


def test_a_dry_run_reports_and_changes_nothing(service, clock, accounts_db):
    year_n(service, clock)
    clock.move_to(RENTREE)
    before = snapshot(accounts_db)

    report = service.import_siecle(payload=college(classes={"102": "5B"}, without=("103",)), dry_run=True)

    assert report["dry_run"] is True
    assert report["updated"] == {"eleves": 1, "eleves_sortis": 1}
    assert snapshot(accounts_db) == before


def test_an_invalid_file_is_refused_with_every_field_and_changes_nothing(service, clock, accounts_db):
    year_n(service, clock)
    before = snapshot(accounts_db)
    bad = {**college(), "etablissement": {"uai": COLLEGE, "nom": "", "type": "ecole"}}

    with pytest.raises(ValidationError) as refused:
        service.import_siecle(payload=bad)

    assert set(refused.value.errors["etablissement"]) == {"nom", "type"}
    assert snapshot(accounts_db) == before


def test_notifications_by_email_follow_the_letters_rules_and_list_who_needs_a_letter(service, clock, accounts_db):
    clock.move_to(YEAR_N)
    service.import_siecle(payload=college())
    philippe = accounts_db.scalar(select(Responsable).where(Responsable.siecle_personne_id == "201")).account

    result = service.notify_by_email(uai=COLLEGE, classe="3A")

    # Hugo's class: his father has an address in SIECLE, his mother and Hugo none.
    assert [(m["prenom"], m["email"], m["mot_de_passe_provisoire"]) for m in result["courriels"]] == [
        ("Philippe", "philippe@example.org", True)]
    assert sorted((p["prenom"], p["role"]) for p in result["sans_adresse"]) == [
        ("Claire", "responsable"), ("Hugo", "eleve")]
    mail = service.mails.last("philippe@example.org", "notification_compte")
    password = mail["context"]["mot_de_passe"]
    assert mail["context"]["identifiant"] == philippe.identifiant
    assert mail["context"]["valide_jusqu_au"] == "2026-12-31"  # 3 months from 01/10, last whole day
    # The password works, as a letter's would.
    assert service.login(identifiant=philippe.identifiant, password=password)["token"]
    history = service.notification_history(uai=COLLEGE)
    assert [(h["identifiant"], h["moyen"]) for h in history] == [(philippe.identifiant, "courriel")]
    assert history[0]["detail"] == "courriel à philippe@example.org : mot de passe provisoire"

    # In use: the e-mail only recalls the identifier, the password is unchanged.
    confirmed_guardian(service, {"identifiant": philippe.identifiant, "password": password}, "2012-04-04",
                       "philippe.perso@example.org")
    again = service.notify_by_email(uai=COLLEGE, classe="3A")
    assert again["courriels"][0]["mot_de_passe_provisoire"] is False
    assert "mot_de_passe" not in service.mails.last("philippe@example.org", "notification_compte")["context"]
    assert service.login(identifiant=philippe.identifiant, password="soleil2026")["token"]


def test_identifiers_stay_unique_across_the_academie_and_its_years(service, clock, accounts_db):
    """Each import and each year allocates after the identifiers every
    establishment already holds (`p.martin1`, `p.martin2`...), including a
    surname ending in z and one that extends another (MARTINEZ after MARTIN)."""
    clock.move_to(YEAR_N)
    for n, uai in enumerate(("0590011A", "0590012B", "0590013C")):
        service.import_siecle(payload={
            "etablissement": {"uai": uai, "nom": f"COLLÈGE {n}", "type": "college", "commune": "LILLE"},
            "eleves": [student(f"{n}1", "Paul", "MARTIN", "2012-01-01", "5A"),
                       student(f"{n}2", "Paul", "MARTINEZ", "2012-01-01", "5A"),
                       student(f"{n}3", "Paul", "MUÑOZ", "2012-01-01", "5A")]})
    identifiants = sorted(accounts_db.scalars(select(Account.identifiant)))
    assert identifiants == ["p.martin1", "p.martin2", "p.martin3", "p.martinez1", "p.martinez2", "p.martinez3",
                            "p.munoz1", "p.munoz2", "p.munoz3"]
