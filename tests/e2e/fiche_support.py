"""What the fiche's e2e tests share: a platform with accounts, mailer and
fiche on each backend, and an establishment brought in as a school does it,
from SIECLE files through both import CLIs' code."""
import uuid
from datetime import date, datetime, timezone

from tests.helpers import letters_by_name
from tools import import_fiche, import_siecle, siecle_writer

# Hugo (minor) with his two legal guardians, each with their own account;
# Lucas, an adult student; Zoé, whose guardian must never reach Hugo's fiche.
ELEVES = [
    {"eleve_id": "1001", "elenoet": "4001", "ine": "123456789AB", "nom": "MARTIN", "prenom": "Hugo", "sexe": 1,
     "date_naissance": date(2013, 4, 4), "classe": "5A", "date_entree": date(2026, 9, 1), "date_sortie": None,
     "commune_naissance": "93007", "regime": "29"},
    {"eleve_id": "1002", "elenoet": "4002", "ine": "123456789AC", "nom": "LEFEBVRE", "prenom": "Lucas", "sexe": 1,
     "date_naissance": date(2007, 3, 12), "classe": "3A", "date_entree": date(2026, 9, 1), "date_sortie": None,
     "code_pays": "109", "ville_naissance": "BERLIN", "regime": "0"},
    {"eleve_id": "1003", "elenoet": "4003", "ine": "123456789AD", "nom": "DURAND", "prenom": "Zoé", "sexe": 2,
     "date_naissance": date(2013, 6, 30), "classe": "5A", "date_entree": date(2026, 9, 1), "date_sortie": None},
]
PERSONNES = [
    {"personne_id": "5001", "civilite": "M.", "nom": "MARTIN", "prenom": "Philippe", "email": "p.martin@example.org",
     "telephone": "+33612345678", "tel_personnel": "+33361169666", "adresse_id": "A1", "code_profession": "52",
     "accepte_sms": False, "communication_adresse": True},
    {"personne_id": "5002", "civilite": "MME", "nom": "MARTIN", "prenom": "Claire", "email": "c.martin@example.org",
     "telephone": "+33611223344", "adresse_id": "A2", "code_profession": "43"},
    {"personne_id": "5003", "civilite": "M.", "nom": "DURAND", "prenom": "Paul", "telephone": "+33622334455",
     "adresse_id": "A3", "code_profession": "99"},
]
LIENS = [
    {"eleve_id": "1001", "personne_id": "5001", "niveau": 1, "code_parente": "20", "paie_frais": True},
    {"eleve_id": "1001", "personne_id": "5002", "niveau": 1, "code_parente": "10"},
    {"eleve_id": "1003", "personne_id": "5003", "niveau": 1, "code_parente": "20"},
]
ADRESSES = [
    {"adresse_id": "A1", "ligne1": "1 RUE DU MOULIN", "code_postal": "59580", "commune": "EMERCHICOURT",
     "code_commune_insee": "59192"},
    {"adresse_id": "A2", "ligne1": "12 AVENUE FOCH", "code_postal": "59000", "commune": "LILLE"},
    {"adresse_id": "A3", "ligne1": "RUE DE LA LOI 16", "commune": "1000 BRUXELLES", "code_pays": "131",
     "pays": "BELGIQUE"},
]
SERVICES = {"accounts": {"required": True}, "mailer": {"required": True},
            "fiche": {"label": "Fiche de renseignements", "order": 40}}


def new_establishment(platform, tmp_path) -> dict:
    """Files written as SIECLE exports them, imported by both CLIs' code;
    returns the UAI and the letters by person."""
    uai = f"{uuid.uuid4().int % 10**7:07d}B"
    now = datetime.now(timezone.utc)
    # INEs of this establishment only: the same INE elsewhere would be the
    # same student moving school, keeping their accounts (accounts' rule).
    eleves = [{**e, "ine": f"{uai[:7]}{n:02d}AB"} for n, e in enumerate(ELEVES)]
    paths = [siecle_writer.write(tmp_path / uai / "ElevesSansAdresses.xml",
                                 siecle_writer.eleves_xml(uai, 2026, now, eleves)),
             siecle_writer.write(tmp_path / uai / "ResponsablesAvecAdresses.xml",
                                 siecle_writer.responsables_xml(uai, 2026, now, PERSONNES, LIENS, ADRESSES))]
    rpc = platform.rpc(timeout=60)
    try:
        import_siecle.import_files(rpc, paths, uai, nom="COLLÈGE JEAN MOULIN", type_="college",
                                   commune="WATTIGNIES")
        report = import_fiche.import_files(rpc, paths, uai)
        letters = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai))
    finally:
        rpc.close()
    assert report["skipped"] == [] and report["created"]["eleves"] == 3
    return {"uai": uai, "letters": letters, "paths": paths}
