"""Each field's rule, with its French message beside the field, and hostile
input refused with nothing stored: phones (French and foreign), postal code
and commune consistent (Corsica, overseas, Paris arrondissements), foreign
addresses without a postal code, birth place, e-mail, SIECLE lengths,
required fields, forged field names, markup, NUL bytes."""
import pytest
from sqlalchemy import func, select

from common.errors import ValidationError
from services.fiche.models import Demande
from services.fiche.tests.conftest import MARIE, champs, child


def refused(fiche, tab, changes, account_id=MARIE) -> dict:
    with pytest.raises(ValidationError) as exc:
        fiche.submit_changes(child(account_id=account_id), tab, changes)
    return exc.value.errors


def nothing_stored(db):
    return db.scalar(select(func.count(Demande.id))) == 0


def france(ligne1, code_postal, commune):
    return {"ligne1": ligne1, "code_postal": code_postal, "commune": commune, "pays": "100"}


@pytest.mark.parametrize("typed, shown", [
    ("06 12 34 56 78", "06 12 34 56 78"),
    ("+33 7 81 23 45 67", "07 81 23 45 67"),
    ("0033320000000", "03 20 00 00 00"),
    ("09.70.12.34.56", "09 70 12 34 56"),
    ("+49 30 1234567", "+49 30 1234567"),
    ("+32 2 555 12 12", "+32 2 555 12 12"),
])
def test_phone_numbers_french_and_foreign(fiche, typed, shown):
    fiche.submit_changes(child(account_id=MARIE), "responsable", {"tel_professionnel": typed})
    assert champs(fiche.fiche(child(account_id=MARIE))["responsable"])["tel_professionnel"][1] == shown


@pytest.mark.parametrize("typed", ["06 12 34", "07 12 34 56 78", "12345678901234567890", "appelez-moi", "+999 1"])
def test_wrong_phone_numbers_are_refused(fiche, fiche_db, typed):
    errors = refused(fiche, "responsable", {"tel_professionnel": typed})
    assert errors == {"tel_professionnel": [
        "Numéro de téléphone invalide (par exemple 06 12 34 56 78 ou +49 30 1234567)."]}
    assert nothing_stored(fiche_db)


def test_a_guardian_keeps_at_least_one_phone(fiche, fiche_db):
    errors = refused(fiche, "responsable", {"tel_portable": "", "tel_personnel": "", "tel_professionnel": ""})
    assert errors == {"tel_portable": ["Indiquez au moins un numéro de téléphone."]}
    assert nothing_stored(fiche_db)


@pytest.mark.parametrize("adresse, shown", [
    (france("3 cours Napoléon", "20000", "Ajaccio"), "3 cours Napoléon\n20000 AJACCIO"),
    (france("12 rue de Bastia", "20200", "BASTIA"), "12 rue de Bastia\n20200 BASTIA"),
    (france("4 rue du Commerce", "97600", "Mamoudzou"), "4 rue du Commerce\n97600 MAMOUDZOU"),
    (france("1 rue de Saint-Denis", "97400", "ST DENIS"), "1 rue de Saint-Denis\n97400 SAINT DENIS"),
    (france("5 rue des Archives", "75003", "PARIS 03"), "5 rue des Archives\n75003 PARIS 03"),
    ({"ligne1": "Hauptstraße 5", "commune": "10115 Berlin", "pays": "109"}, "Hauptstraße 5\n10115 BERLIN\nALLEMAGNE"),
])
def test_addresses_with_a_consistent_postal_code_or_abroad(fiche, adresse, shown):
    fiche.submit_changes(child(account_id=MARIE), "responsable", {"adresse": adresse})
    assert champs(fiche.fiche(child(account_id=MARIE))["responsable"])["adresse"][1] == shown


@pytest.mark.parametrize("adresse, field, message", [
    (france("1 rue du Moulin", "59000", "Emerchicourt"), "adresse.commune",
     "Cette commune ne correspond pas au code postal 59000 (communes de ce code\u00a0: Hellemmes-Lille, Lille, Lomme)."),
    (france("1 rue du Moulin", "5958", "Emerchicourt"), "adresse.code_postal", "Code postal invalide : 5 chiffres."),
    (france("1 rue du Moulin", "2A004", "Ajaccio"), "adresse.code_postal", "Code postal invalide : 5 chiffres."),
    (france("1 rue du Moulin", "00000", "Nulle part"), "adresse.code_postal", "Code postal inconnu."),
    (france("1 rue du Moulin", "", "Emerchicourt"), "adresse.code_postal", "Indiquez le code postal."),
    (france("1 rue du Moulin", "59580", ""), "adresse.commune", "Indiquez la commune."),
    (france("", "59580", "Emerchicourt"), "adresse.ligne1", "Indiquez au moins une ligne d'adresse."),
    (france("1 rue du Moulin prolongée jusqu'au bout du monde", "59580", "Emerchicourt"), "adresse.ligne1",
     "38 caractères au maximum."),
    ({"ligne1": "Hauptstraße 5", "code_postal": "10115", "commune": "Berlin", "pays": "109"}, "adresse.code_postal",
     "Pas de code postal pour une adresse à l'étranger : écrivez-le avec la ville."),
    ({"ligne1": "Hauptstraße 5", "commune": "Berlin", "pays": "999"}, "adresse.pays",
     "Pays inconnu : choisissez dans la liste."),
    ({"ligne1": "1 rue", "code_postal": "59580", "commune": "Emerchicourt", "etage": "3"}, "adresse.etage",
     "Ce champ n'existe pas dans la fiche."),
])
def test_wrong_addresses_are_refused_beside_their_field(fiche, fiche_db, adresse, field, message):
    assert refused(fiche, "responsable", {"adresse": adresse}) == {field: [message]}
    assert nothing_stored(fiche_db)


def test_a_guardian_address_cannot_be_identical_to_rl1(fiche, fiche_db):
    errors = refused(fiche, "responsable", {"adresse": {"identique_rl1": "oui"}})
    assert errors == {"adresse.identique_rl1": ["Ce champ n'existe pas dans la fiche."]}


def test_the_student_address_may_be_rl1s_again(fiche):
    fiche.submit_changes(child(), "eleve", {"adresse": france("3 rue Pasteur", "59139", "Wattignies")})
    assert champs(fiche.fiche(child())["eleve"])["adresse"][1] == "3 rue Pasteur\n59139 WATTIGNIES"
    fiche.submit_changes(child(), "eleve", {"adresse": {"identique_rl1": "oui"}})
    assert champs(fiche.fiche(child())["eleve"])["adresse"][1] is None


@pytest.mark.parametrize("naissance, shown", [
    ({"pays": "100", "departement": "59", "commune": "Émerchicourt"}, "ÉMERCHICOURT (59)"),
    ({"pays": "100", "departement": "2a", "commune": "ajaccio"}, "AJACCIO (2A)"),
    ({"pays": "100", "departement": "976", "commune": "Mamoudzou"}, "MAMOUDZOU (976)"),
    ({"pays": "352", "ville": "Oran"}, "Oran (ALGÉRIE)"),
])
def test_birth_place_in_france_or_abroad(fiche, naissance, shown):
    fiche.submit_changes(child(), "eleve", {"naissance": naissance})
    assert champs(fiche.fiche(child())["eleve"])["naissance"][1] == shown


@pytest.mark.parametrize("naissance, field, message", [
    ({"pays": "100", "departement": "59", "commune": "Ajaccio"}, "naissance.commune",
     "Aucune commune de ce nom dans le département 59."),
    ({"pays": "100", "departement": "20", "commune": "Ajaccio"}, "naissance.departement",
     "Département invalide (par exemple 59, 2A ou 974)."),
    ({"pays": "100", "commune": "Ajaccio"}, "naissance.departement",
     "Indiquez le département de naissance (par exemple 59, 2A ou 974)."),
    ({"pays": "109", "ville": ""}, "naissance.ville", "Indiquez la ville de naissance."),
    ({"pays": "109", "ville": "Berlin-Charlottenburg-Wilmersdorf-Ost"}, "naissance.ville",
     "32 caractères au maximum."),
])
def test_wrong_birth_places_are_refused(fiche, fiche_db, naissance, field, message):
    assert refused(fiche, "eleve", {"naissance": naissance}, account_id=501) == {field: [message]}
    assert nothing_stored(fiche_db)


@pytest.mark.parametrize("changes, expected", [
    ({"email": "marie@@example"}, {"email": ["Adresse électronique invalide."]}),
    ({"email": "marie@example.org\r\nBcc: x@example.org"},
     {"email": ["Caractères non autorisés (retour à la ligne ou caractère de contrôle)."]}),
    ({"nom": ""}, {"nom": ["Ce champ est obligatoire."]}),
    ({"nom": "D" * 101}, {"nom": ["100 caractères au maximum."]}),
    ({"nom": "DURAND" * 500}, {"nom": ["100 caractères au maximum."]}),
    ({"prenom": "<script>alert(1)</script>"}, {"prenom": ["Les caractères < et > ne sont pas autorisés."]}),
    ({"prenom": "Ma\x00rie"}, {"prenom": ["Caractères non autorisés (retour à la ligne ou caractère de contrôle)."]}),
    ({"prenom": "Marie2"}, {"prenom": ["Lettres, espaces, traits d'union et apostrophes uniquement."]}),
    ({"civilite": "MLLE"}, {"civilite": ["Valeur non autorisée : choisissez dans la liste."]}),
    ({"code_profession": "73"}, {"code_profession": ["Valeur non autorisée : choisissez dans la liste."]}),
    ({"accepte_sms": "peut-être"}, {"accepte_sms": ["Oui ou non attendu."]}),
    ({"mot_de_passe": "x"}, {"mot_de_passe": ["Ce champ n'existe pas dans la fiche."]}),
    ({"lien": "90"}, {"lien": ["Le lien avec l'élève n'est pas modifiable en ligne : adressez-vous à "
                               "l'établissement."]}),
    ({"siecle_personne_id": "5001"}, {"siecle_personne_id": ["Ce champ n'existe pas dans la fiche."]}),
    ({"x" * 5000: "1"}, {"_": ["Ce champ n'existe pas dans la fiche."]}),
    ({"tel_portable": ["0612345678"]}, {"tel_portable": ["Texte attendu."]}),
    ({"adresse": "1 rue du Moulin"}, {"adresse": ["Valeur invalide."]}),
])
def test_hostile_or_wrong_input_is_refused_and_nothing_is_stored(fiche, fiche_db, changes, expected):
    assert refused(fiche, "responsable", changes) == expected
    assert nothing_stored(fiche_db)


def test_a_refusal_keeps_none_of_the_valid_fields_sent_with_it(fiche, fiche_db):
    errors = refused(fiche, "responsable", {"tel_portable": "0611223344", "email": "pas une adresse"})
    assert list(errors) == ["email"]
    assert nothing_stored(fiche_db)


def test_dates_are_checked_against_the_clock(fiche, fiche_db):
    assert refused(fiche, "eleve", {"date_naissance": "31/02/2013"}, account_id=501) == {
        "date_naissance": ["Date attendue au format jj/mm/aaaa."]}
    assert refused(fiche, "eleve", {"date_naissance": "01/12/2026"}, account_id=501) == {
        "date_naissance": ["Cette date n'est pas possible."]}
    fiche.submit_changes(child(), "eleve", {"date_naissance": "30/11/2013"})
    assert champs(fiche.fiche(child())["eleve"])["date_naissance"] == ("04/04/2013", "30/11/2013")


def test_validate_changes_answers_the_rules_without_storing(fiche, fiche_db):
    assert fiche.validate_changes("responsable", {"tel_portable": "06 11 22 33 44", "adresse": france(
        "1 rue du Moulin", "59580", "Émerchicourt")}) == {
        "tel_portable": "+33611223344",
        "adresse": {"ligne1": "1 rue du Moulin", "ligne2": None, "ligne3": None, "ligne4": None,
                    "code_postal": "59580", "commune": "EMERCHICOURT", "code_commune_insee": "59192", "pays": "100"}}
    with pytest.raises(ValidationError):
        fiche.validate_changes("responsable", {"tel_portable": "12"})
    with pytest.raises(ValidationError):
        fiche.validate_changes("inconnu", {})
    assert nothing_stored(fiche_db)


def test_a_required_field_siecle_lacks_may_stay_empty_when_another_changes(fiche):
    from services.fiche.tests.conftest import LUCAS, LUCAS_ACCOUNT, payload

    # Lucas without any legal representative in the files: no address at all.
    data = payload()
    data["liens"] = [link for link in data["liens"] if link["siecle_eleve_id"] != "1002"]
    fiche.import_siecle(data)
    lucas = child(eleve_id=LUCAS, account_id=LUCAS_ACCOUNT, role="eleve", majeur=True)
    empty_address = {"ligne1": "", "code_postal": "", "commune": "", "pays": "100"}
    fiche.submit_changes(lucas, "eleve", {"adresse": empty_address, "email": "lucas@example.org"})
    assert champs(fiche.fiche(lucas)["eleve"])["email"][1] == "lucas@example.org"
    # The student who has an address cannot empty it.
    with pytest.raises(ValidationError) as exc:
        fiche.submit_changes(child(account_id=501), "responsable", {"adresse": empty_address})
    assert exc.value.errors == {"adresse": ["Ce champ est obligatoire."]}
