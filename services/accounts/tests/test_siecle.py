"""Reading SIECLE exports: the fixtures are small hand-written files in the
shape of real ones (ISO-8859-15, accented names, both link formats, the
anomalies importers meet)."""
import io
import zipfile
from pathlib import Path

import pytest

from services.accounts.schemas import (
    EleveImportSchema, LienImportSchema, PersonneImportSchema, SiecleImportSchema,
)
from services.accounts.siecle import SiecleFileError, open_export, parse_bool, read_exports, read_paths

FIXTURES = Path(__file__).parent / "fixtures"
UAI = "0599999X"
ELEVES_XML = FIXTURES / "ElevesSansAdresses.xml"
ELEVES_ZIP = FIXTURES / "ExportXML_ElevesSansAdresses.zip"
RESPONSABLES = FIXTURES / "ResponsablesAvecAdresses.xml"
RESPONSABLES_2017 = FIXTURES / "ResponsablesAvant2018.xml"
STRUCTURES = FIXTURES / "Structures.xml"


def by_id(records, key):
    return {r[key]: r for r in records}


def zipped(*members: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def bee(root: str, uai: str = UAI, annee: str = "2025", donnees: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="ISO-8859-15"?>\n<{root} VERSION="1.0"><PARAMETRES>'
            f"<UAJ>{uai}</UAJ><ANNEE_SCOLAIRE>{annee}</ANNEE_SCOLAIRE></PARAMETRES>"
            f"<DONNEES>{donnees}</DONNEES></{root}>").encode("iso-8859-15")


@pytest.fixture(scope="module")
def lecture():
    return read_paths([ELEVES_XML, RESPONSABLES], UAI)


def test_fixtures_are_iso_8859_15_and_the_zip_holds_the_same_file():
    data = ELEVES_XML.read_bytes()
    assert b'encoding="ISO-8859-15"' in data
    assert "LEBŒUF".encode("iso-8859-15") in data  # Œ exists in Latin-9, not in Latin-1
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    with zipfile.ZipFile(ELEVES_ZIP) as archive:
        assert archive.read("ElevesSansAdresses.xml") == data


def test_students_keep_their_accented_names_and_usual_name(lecture):
    eleves = by_id(lecture.eleves, "siecle_eleve_id")
    assert (eleves["100102"]["prenom"], eleves["100102"]["nom"]) == ("Léa", "MARTIN")
    # NOM_USAGE wins over NOM_DE_FAMILLE; old files only have NOM.
    assert eleves["100103"]["nom"] == "DURAND"
    assert eleves["100106"]["nom"] == "FRANÇOIS" and eleves["100106"]["prenom"] == "Maëlys"
    assert eleves["100107"]["nom"] == "LEBŒUF" and eleves["100107"]["prenom"] == "Élise"


def test_birth_and_exit_dates_become_iso_dates(lecture):
    eleves = by_id(lecture.eleves, "siecle_eleve_id")
    assert eleves["100101"]["date_naissance"] == "2012-04-04"
    assert eleves["100103"]["date_naissance"] == "2013-06-30"  # spaces around the value
    assert eleves["100104"]["date_sortie"] == "2020-01-31"
    assert eleves["100101"]["date_sortie"] is None


def test_sex_is_code_sexe_and_unknown_when_absent(lecture):
    # "Né le" / "Née le" on the pages (common/typography.born); "Né(e) le" only when unknown.
    eleves = by_id(lecture.eleves, "siecle_eleve_id")
    assert (eleves["100101"]["sexe"], eleves["100102"]["sexe"], eleves["100103"]["sexe"]) == ("1", "2", "2")
    assert eleves["100104"]["sexe"] is None  # no CODE_SEXE in its record


def test_ine_is_id_national_else_ine_rnie(lecture):
    eleves = by_id(lecture.eleves, "siecle_eleve_id")
    assert eleves["100101"]["ine"] == "123456789AA"
    assert eleves["100102"]["ine"] == "123456789AB"  # empty ID_NATIONAL, INE_RNIE given


def test_class_is_the_division_never_a_group(lecture):
    eleves = by_id(lecture.eleves, "siecle_eleve_id")
    assert eleves["100101"]["classe"] == "5 A"  # its group 5LV2ESP comes first in the file
    assert eleves["100103"]["classe"] == "5 A"  # joined on ELENOET only
    assert eleves["100106"]["classe"] is None  # only a group: not yet in a class


def test_structures_file_gives_class_labels():
    lecture = read_paths([ELEVES_XML, RESPONSABLES, STRUCTURES], UAI)
    eleves = by_id(lecture.eleves, "siecle_eleve_id")
    assert eleves["100101"]["classe"] == "5ÈME A"
    assert eleves["100102"]["classe"] == "6ÈME B"


def test_unreadable_students_are_skipped_with_a_reason_naming_them(lecture):
    assert {"ref": "élève 100105 (Noël GARÇON)", "reason": "date de naissance absente"} in lecture.skipped
    assert {"ref": "élève 100108 (Timothée ROUSSEAU)",
            "reason": "date de naissance illisible « 31/02/2013 »"} in lecture.skipped
    ids = {e["siecle_eleve_id"] for e in lecture.eleves}
    assert ids == {"100101", "100102", "100103", "100104", "100106", "100107"}
    # A student who left is read; whether they are skipped depends on the date,
    # which is the accounts service's to judge.
    assert "100104" in ids


def test_persons_tolerate_missing_address_empty_elements_and_long_civility(lecture):
    personnes = by_id(lecture.personnes, "siecle_personne_id")
    assert personnes["200201"] == {"siecle_personne_id": "200201", "civilite": "M.", "nom": "MARTIN",
                                   "prenom": "Philippe", "email": "philippe.martin@example.org"}
    assert personnes["200202"]["nom"] == "MARTIN" and personnes["200202"]["email"] is None  # <MEL/>
    assert personnes["200203"]["prenom"] == "Odette"  # no ADRESSE_ID
    assert personnes["200204"]["civilite"] == "M."  # only LL_CIVILITE MONSIEUR
    assert personnes["200206"]["nom"] == "BENSAÏD"
    assert {"ref": "personne 200209 (FRANÇOIS)", "reason": "prénom absent"} in lecture.skipped


def test_links_since_2018_keep_the_responsibility_level(lecture):
    liens = {(lien["siecle_eleve_id"], lien["siecle_personne_id"]): lien for lien in lecture.liens}
    assert liens[("100101", "200201")]["niveau_responsabilite"] == 1
    assert liens[("100101", "200201")]["code_parente"] == "20"
    assert liens[("100101", "200203")]["niveau_responsabilite"] == 3  # grandmother, contact only
    assert liens[("100102", "200206")]["niveau_responsabilite"] == 2  # éducateur, in charge
    assert {"ref": "lien élève 100102 – personne 200208",
            "reason": "niveau de responsabilité inconnu « 7 »"} in lecture.skipped


def test_links_to_unreadable_records_are_skipped_not_sent(lecture):
    pairs = {(lien["siecle_eleve_id"], lien["siecle_personne_id"]) for lien in lecture.liens}
    assert ("100105", "200207") not in pairs
    assert ("100106", "200209") not in pairs
    assert {"ref": "lien élève 100105 – personne 200207",
            "reason": "élève illisible, écarté (voir plus haut)"} in lecture.skipped
    assert {"ref": "lien élève 100106 – personne 200209",
            "reason": "personne illisible, écartée (voir plus haut)"} in lecture.skipped
    # Links to students absent from the file are the service's to report.
    assert ("100199", "200201") in pairs


def test_links_before_2018_map_legal_representatives_and_contacts():
    lecture = read_paths([ELEVES_XML, RESPONSABLES_2017], UAI)
    levels = {(lien["siecle_eleve_id"], lien["siecle_personne_id"]): lien["niveau_responsabilite"]
              for lien in lecture.liens}
    assert levels[("100101", "200201")] == 1  # RESP_LEGAL 1
    assert levels[("100101", "200202")] == 1  # RESP_LEGAL 2: the other legal representative
    assert levels[("100101", "200203")] == 3  # RESP_LEGAL 0, PERS_CONTACT true
    assert levels[("100102", "200206")] == 2  # RESP_LEGAL 0, PERS_CONTACT 0
    assert by_id(lecture.personnes, "siecle_personne_id")["200202"]["nom"] == "MARTIN"  # NOM only


def test_zip_and_plain_xml_read_the_same():
    plain = read_paths([ELEVES_XML, RESPONSABLES], UAI)
    archive = read_paths([ELEVES_ZIP, RESPONSABLES], UAI)
    assert (archive.eleves, archive.personnes, archive.liens, archive.skipped) == \
        (plain.eleves, plain.personnes, plain.liens, plain.skipped)
    assert archive.files[0].name == "ExportXML_ElevesSansAdresses.zip (ElevesSansAdresses.xml)"


def test_files_are_recognised_by_their_root_element_not_their_name():
    eleves = open_export("export1.xml", RESPONSABLES.read_bytes())
    responsables = open_export("export2.xml", ELEVES_XML.read_bytes())
    lecture = read_exports([eleves, responsables], UAI)
    assert len(lecture.eleves) == 6 and len(lecture.personnes) == 10


def test_payload_is_what_the_accounts_service_loads(lecture):
    etab = {"uai": UAI, "nom": "COLLÈGE TEST", "type": "college", "commune": ""}
    payload = lecture.payload(etab)
    assert SiecleImportSchema().load(payload)["etablissement"] == etab
    for row in payload["eleves"]:
        if row["siecle_eleve_id"] == "100107":
            continue  # an INE too long: the service skips it (see test_importing)
        EleveImportSchema().load(row)
    for row in payload["personnes"]:
        PersonneImportSchema().load(row)
    for row in payload["liens"]:
        LienImportSchema().load(row)


@pytest.mark.parametrize("value, expected", [
    ("1", True), ("0", False), ("true", True), ("false", False), ("TRUE", True), (" 1 ", True),
    ("", False), (None, False),
])
def test_booleans_come_as_digits_or_words(value, expected):
    assert parse_bool(value) is expected


# -- files that cannot be imported --------------------------------------------

def refused(files, uai=UAI) -> str:
    with pytest.raises(SiecleFileError) as info:
        read_exports([open_export(name, data) for name, data in files], uai)
    return str(info.value)


def test_uai_mismatch_names_both_establishments():
    message = refused([("ElevesSansAdresses.xml", ELEVES_XML.read_bytes())], uai="0599001A")
    assert message == "Le fichier ElevesSansAdresses.xml est l'export de l'établissement 0599999X, pas de 0599001A."


def test_missing_uaj_is_refused():
    data = bee("BEE_ELEVES").replace(f"<UAJ>{UAI}</UAJ>".encode(), b"<UAJ/>")
    assert "PARAMETRES/UAJ absent" in refused([("e.xml", data)])


def test_a_file_that_is_not_xml_is_refused():
    message = refused([("ElevesSansAdresses.xml", "NOM;PRÉNOM\nMARTIN;Léa\n".encode("iso-8859-15"))])
    assert message.startswith("Le fichier ElevesSansAdresses.xml n'est pas un fichier XML lisible (erreur ligne 1")


def test_another_export_is_refused_by_its_root():
    message = refused([("Nomenclature.xml", bee("BEE_NOMENCLATURES"))])
    assert "Nomenclature.xml (élément racine BEE_NOMENCLATURES)" in message
    message = refused([("x.xml", b"<?xml version='1.0'?><FACTURES/>")])
    assert "n'est pas un export SIECLE pris en charge (élément racine FACTURES" in message


def test_a_zip_must_hold_exactly_one_xml_file():
    empty = zipped(("LISEZMOI.txt", b"rien"))
    assert refused([("export.zip", empty)]) == "L'archive export.zip ne contient aucun fichier XML."
    two = zipped(("ElevesSansAdresses.xml", bee("BEE_ELEVES")),
                 ("ResponsablesAvecAdresses.xml", bee("BEE_RESPONSABLES")))
    assert refused([("export.zip", two)]) == (
        "L'archive export.zip contient plusieurs fichiers XML (ElevesSansAdresses.xml, "
        "ResponsablesAvecAdresses.xml) : donnez une archive par export.")
    broken = ELEVES_ZIP.read_bytes()[:200]
    assert refused([("export.zip", broken)]) == "L'archive export.zip est illisible (fichier ZIP endommagé)."


def test_entities_and_dtds_are_refused():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE BEE_ELEVES [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><BEE_ELEVES>&b;</BEE_ELEVES>')
    assert "DTD ou des entités XML, refusées par sécurité" in refused([("e.xml", bomb)])


def test_the_students_file_is_required_and_given_once():
    assert refused([("r.xml", RESPONSABLES.read_bytes())]).startswith("Il manque le fichier des élèves")
    message = refused([("a.xml", ELEVES_XML.read_bytes()), ("b.zip", ELEVES_ZIP.read_bytes())])
    assert message.startswith(
        "Les fichiers a.xml et b.zip (ElevesSansAdresses.xml) sont tous deux un fichier des élèves")


def test_files_of_different_school_years_are_refused():
    message = refused([("e.xml", bee("BEE_ELEVES", annee="2025")), ("r.xml", bee("BEE_RESPONSABLES", annee="2024"))])
    assert message == "Les fichiers ne sont pas de la même année scolaire (e.xml : 2025, r.xml : 2024)."


def test_a_file_that_cannot_be_read_from_disk_is_named(tmp_path):
    with pytest.raises(SiecleFileError, match="Impossible de lire le fichier .*absent.xml"):
        read_paths([tmp_path / "absent.xml"], UAI)
