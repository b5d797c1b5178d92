"""The accounts service's side of the SIECLE import: each record is checked on
its own, so one malformed record is skipped with its reason instead of
refusing the whole establishment. Runs on SQLite and PostgreSQL."""
import subprocess
import sys
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from common.config import ROOT
from common.errors import ValidationError
from common.schemas import load_or_raise
from services.accounts import importing
from services.accounts.models import Account, Eleve, Lien, Responsable
from services.accounts.schemas import SiecleImportSchema

NOW = datetime(2025, 9, 20, 8, 0, tzinfo=timezone.utc)
TODAY = date(2025, 9, 20)


def payload(**changes):
    data = {
        "etablissement": {"uai": "0599999X", "nom": "COLLÈGE TEST", "type": "college", "commune": "LILLE"},
        "eleves": [
            {"siecle_eleve_id": "1", "ine": "123456789AA", "nom": "MARTIN", "prenom": "Hugo",
             "date_naissance": "2012-04-04", "classe": "5 A", "date_sortie": None},
            {"siecle_eleve_id": "2", "ine": "123456789ABCDE", "nom": "LEBŒUF", "prenom": "Élise",
             "date_naissance": "2013-05-15", "classe": "6 B", "date_sortie": None},
            {"siecle_eleve_id": "3", "ine": None, "nom": "PETIT", "prenom": "Jérôme",
             "date_naissance": "2012-02-02", "classe": "5 A", "date_sortie": "2020-01-31"},
            {"siecle_eleve_id": "1", "ine": None, "nom": "MARTIN", "prenom": "Hugo (doublon)",
             "date_naissance": "2012-04-04", "classe": "5 A", "date_sortie": None},
        ],
        "personnes": [
            {"siecle_personne_id": "10", "civilite": "M.", "nom": "MARTIN", "prenom": "Philippe", "email": None},
            {"siecle_personne_id": "11", "civilite": "MME", "nom": "LEBŒUF", "prenom": "Hélène", "email": None},
            {"siecle_personne_id": "12", "civilite": "MADAME", "nom": "MARTIN", "prenom": "Odette", "email": None},
            {"siecle_personne_id": "13", "civilite": "MME", "nom": "PETIT", "prenom": "Nathalie", "email": None},
        ],
        "liens": [
            {"siecle_eleve_id": "1", "siecle_personne_id": "10", "niveau_responsabilite": 1, "code_parente": "20"},
            {"siecle_eleve_id": "1", "siecle_personne_id": "10", "niveau_responsabilite": 1, "code_parente": "20"},
            {"siecle_eleve_id": "2", "siecle_personne_id": "11", "niveau_responsabilite": 1, "code_parente": "10"},
            {"siecle_eleve_id": "1", "siecle_personne_id": "12", "niveau_responsabilite": 1, "code_parente": "38"},
            {"siecle_eleve_id": "3", "siecle_personne_id": "13", "niveau_responsabilite": 1, "code_parente": "10"},
            {"siecle_eleve_id": "9", "siecle_personne_id": "10", "niveau_responsabilite": 1, "code_parente": "20"},
            {"siecle_eleve_id": "1", "siecle_personne_id": "10", "niveau_responsabilite": 5, "code_parente": "20"},
        ],
    }
    data.update(changes)
    return data


def run(db, data):
    report = importing.import_siecle(db, load_or_raise(SiecleImportSchema(), data), NOW, TODAY)
    db.commit()
    return report


def reasons(report):
    return {item["ref"]: item["reason"] for item in report["skipped"]}


def count(db, model):
    return db.scalar(select(func.count()).select_from(model))


def test_malformed_records_are_skipped_with_their_reason_and_the_rest_imported(accounts_db):
    report = run(accounts_db, payload())
    skipped = reasons(report)
    assert skipped["élève 2 (Élise LEBŒUF)"] == "refusé : INE : 11 caractères au maximum."
    assert skipped["personne 12 (Odette MARTIN)"] == "refusé : civilité : 5 caractères au maximum."
    assert skipped["lien élève 2 – personne 11"] == "élève écarté (voir plus haut)"
    assert skipped["lien élève 1 – personne 12"] == "personne écartée (voir plus haut)"
    assert report["created"] == {"etablissements": 1, "eleves": 1, "comptes_eleves": 1, "responsables": 1,
                                 "comptes_responsables": 1, "liens": 1}
    assert count(accounts_db, Eleve) == 1 and count(accounts_db, Responsable) == 1


def test_duplicates_in_the_file_are_skipped_instead_of_failing(accounts_db):
    report = run(accounts_db, payload())
    duplicates = [item for item in report["skipped"] if item["reason"].startswith("en double")]
    assert [item["ref"] for item in duplicates] == ["élève 1 (Hugo (doublon) MARTIN)", "lien élève 1 – personne 10"]
    assert {"ref": "lien élève 1 – personne 10",
            "reason": "refusé : niveau de responsabilité : Valeur non autorisée."} in report["skipped"]
    assert accounts_db.scalar(select(Eleve.prenom)) == "Hugo"
    assert count(accounts_db, Lien) == 1


def test_links_say_why_they_were_not_imported(accounts_db):
    skipped = reasons(run(accounts_db, payload()))
    assert skipped["élève 3 (Jérôme PETIT)"] == "sorti de l'établissement le 31/01/2020"
    assert skipped["lien élève 3 – personne 13"] == "élève sorti de l'établissement"
    assert skipped["personne 13 (Nathalie PETIT)"] == "représentant légal d'aucun élève actif : pas de compte"
    assert skipped["lien élève 9 – personne 10"] == "élève absent du fichier des élèves"


def test_a_record_that_is_not_one_is_skipped(accounts_db):
    report = run(accounts_db, payload(personnes=["MARTIN;Philippe"], liens=[]))
    assert {"ref": "enregistrement illisible", "reason": "ce n'est pas un enregistrement"} in report["skipped"]
    assert count(accounts_db, Account) == 1  # the student's


def test_an_invalid_establishment_refuses_everything(accounts_db):
    data = payload(etablissement={"uai": "0599999X", "nom": "", "type": "ecole"})
    with pytest.raises(ValidationError) as info:
        load_or_raise(SiecleImportSchema(), data)
    assert set(info.value.errors["etablissement"]) == {"nom", "type"}


def test_a_large_import_s_child_process_loads_neither_eventlet_nor_the_password_hasher():
    """The child (import_child.py) starts for each large import: what it
    loads is its start-up time, paid at every rentrée file. Eventlet (with
    dnspython) came back once through the models' mail table."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, services.accounts.import_child, services.accounts.importing; "
         "print(' '.join(sorted({m.split('.')[0] for m in sys.modules} & {'eventlet', 'dns', 'argon2'})))"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []
