"""The fiche's import CLI refuses files that do not fit before anything is
sent (the happy path runs in tests/e2e/fiche_support.py against the real
services)."""
from datetime import datetime, timezone

import pytest

from tests.e2e.fiche_support import ADRESSES, ELEVES, LIENS, PERSONNES
from tools import import_fiche, siecle_writer


class NoCall:
    """Stands where the RPC client would be: nothing may be sent."""

    def call(self, *args, **kwargs):
        raise AssertionError("nothing may be sent to a service")


def files(tmp_path, uai):
    now = datetime.now(timezone.utc)
    return [siecle_writer.write(tmp_path / "ElevesSansAdresses.xml", siecle_writer.eleves_xml(uai, 2026, now, ELEVES)),
            siecle_writer.write(tmp_path / "ResponsablesAvecAdresses.xml",
                                siecle_writer.responsables_xml(uai, 2026, now, PERSONNES, LIENS, ADRESSES))]


def test_files_of_another_establishment_are_refused(tmp_path):
    with pytest.raises(import_fiche.ImportRefused) as refused:
        import_fiche.import_files(NoCall(), files(tmp_path, "0599001A"), "0599002B", nom="COLLÈGE")
    assert "est l'export de l'établissement 0599001A, pas de 0599002B" in str(refused.value)
    assert "Rien n'a été importé." in str(refused.value)


def test_a_wrong_uai_is_refused(tmp_path):
    with pytest.raises(import_fiche.ImportRefused) as refused:
        import_fiche.import_files(NoCall(), files(tmp_path, "0599001A"), "59001", nom="COLLÈGE")
    assert str(refused.value) == "Code UAI invalide : 59001 (7 chiffres et une lettre)."


def test_the_files_give_the_fiche_its_fields(tmp_path):
    from services.fiche import siecle

    _lecture, payload = siecle.read(files(tmp_path, "0599001A"), "0599001A")
    hugo = next(e for e in payload["eleves"] if e["siecle_eleve_id"] == "1001")
    assert (hugo["naissance_commune_insee"], hugo["code_regime"], hugo["adresse"]) == ("93007", "29", None)
    paul = next(p for p in payload["personnes"] if p["siecle_personne_id"] == "5003")
    assert paul["adresse"] == {"ligne1": "RUE DE LA LOI 16", "ligne2": None, "ligne3": None, "ligne4": None,
                               "code_postal": None, "commune": "1000 BRUXELLES", "code_commune_insee": None,
                               "pays": "131"}
    philippe = next(p for p in payload["personnes"] if p["siecle_personne_id"] == "5001")
    assert (philippe["tel_personnel"], philippe["accepte_sms"], philippe["communication_adresse"]) == (
        "+33361169666", False, True)
    assert {(link["siecle_personne_id"], link["paie_frais"]) for link in payload["liens"]} == {
        ("5001", True), ("5002", False), ("5003", False)}
