"""Establishment staff print the notification letters as one PDF (guide § 1.1,
FAQ); académie operators create staff accounts."""
import io
import uuid

import pypdf
import pytest

from tests.e2e.accounts_support import first_connection, new_establishment
from tests.helpers import WebUser, staff_web_user, text_of


def pdf_pages(data: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def staff_user(platform, uai, fonction="secretariat") -> WebUser:
    return staff_web_user(platform, {"role": "staff", "etablissement_uai": uai, "fonction": fonction,
                                     "nom": "LEROY", "prenom": "Anne"})


@pytest.fixture(scope="module")
def school(platform):
    site = new_establishment(platform)
    site["staff"] = staff_user(platform, site["uai"])
    return site


def print_letters(user, uai, form):
    page = user.post_form(f"/admin/etablissement/{uai}/lettres", form)
    return page


def test_letters_for_a_class_are_one_pdf_with_identifier_password_address_and_date(platform, school):
    page = print_letters(school["staff"], school["uai"], {"mode": "classe", "classe": "5A"})
    assert page.headers["Content-Type"] == "application/pdf"
    assert "attachment" in page.headers["Content-Disposition"]
    pages = pdf_pages(page.content)
    assert len(pages) == 5  # Hugo, Zoé, and the guardians Philippe, Claire, Paul
    zoe = next(p for p in pages if "Élève : Zoé DURAND" in p)
    assert platform.base_url in zoe and "Mot de passe provisoire" in zoe and "Valable jusqu'au" in zoe
    # The printed password opens the account; the previous letter's no longer does.
    identifiant = zoe.split("Identifiant ")[1].split()[0]
    password = zoe.split("Mot de passe provisoire ")[1].split()[0]
    assert WebUser(platform.base_url).login(identifiant, password).url.endswith("/premiere-connexion")
    old = school["letters"]["Zoé DURAND"]
    assert "incorrect" in text_of(WebUser(platform.base_url).login(old["identifiant"], old["password"]).text)


def test_a_letter_for_an_account_in_use_recalls_only_the_identifier(platform, school):
    letter_page = print_letters(school["staff"], school["uai"], {"mode": "classe", "classe": "6B"})
    lea = next(p for p in pdf_pages(letter_page.content) if "Élève : Léa MARTIN" in p)
    identifiant = lea.split("Identifiant ")[1].split()[0]
    password = lea.split("Mot de passe provisoire ")[1].split()[0]
    first_connection(platform, {"identifiant": identifiant, "password": password}, "2014-01-02")
    page = print_letters(school["staff"], school["uai"], {"mode": "classe", "classe": "6B"})
    lea = next(p for p in pdf_pages(page.content) if "Élève : Léa MARTIN" in p)
    assert "Mot de passe inchangé" in lea and "provisoire" not in lea and identifiant in lea
    assert "La scolarité d" in text_of(WebUser(platform.base_url).login(identifiant, "soleil2026").text)


def test_letters_for_one_student_and_for_new_accounts_only(platform, school):
    page = school["staff"].get(f"/admin/etablissement/{school['uai']}/lettres")
    import re

    hugo_id = re.search(r'<option value="(\d+)">MARTIN Hugo', page.text).group(1)
    pages = pdf_pages(print_letters(school["staff"], school["uai"], {"mode": "eleve", "eleve_id": hugo_id}).content)
    assert len(pages) == 3 and any("Élève : Hugo MARTIN" in p for p in pages)
    # Every account had a letter already: none is new.
    page = print_letters(school["staff"], school["uai"], {"mode": "nouveaux"})
    assert page.headers["Content-Type"].startswith("text/html")
    assert "Aucune notification à éditer" in text_of(page.text)


@pytest.mark.parametrize("form, message", [
    ({"mode": "classe", "classe": "9Z"}, "Choisissez une classe de l'établissement."),
    ({"mode": "eleve", "eleve_id": "999999999"}, "Choisissez un élève de l'établissement."),
    ({"mode": "eleve", "eleve_id": "abc"}, "Choisissez un élève de l'établissement."),
])
def test_letters_page_refuses_bad_choices_in_french(platform, school, form, message):
    page = print_letters(school["staff"], school["uai"], form)
    assert page.status_code == 200 and message in text_of(page.text)


def test_staff_reach_only_their_establishment_and_families_nothing(platform, school):
    other = new_establishment(platform)
    assert school["staff"].get(f"/admin/etablissement/{other['uai']}/lettres").status_code == 404
    family, _ = first_connection(platform, other["letters"]["Zoé DURAND"], "2013-06-30")
    assert family.get(f"/admin/etablissement/{other['uai']}/lettres").status_code == 404
    assert family.get("/admin/personnels/").status_code == 404
    assert school["staff"].get("/admin/personnels/").status_code == 404


def test_staff_read_an_accounts_journal(platform, school):
    letter = school["letters"]["Paul DURAND"]
    WebUser(platform.base_url).login(letter["identifiant"], "mauvais123")
    page = school["staff"].get(f"/admin/etablissement/{school['uai']}/journal?identifiant={letter['identifiant']}")
    text = text_of(page.text)
    assert "Échec de connexion (mot de passe incorrect)" in text and "Notification éditée" in text


def test_operator_creates_a_staff_account_shown_once(platform, school):
    user = staff_web_user(platform, {"role": "operator", "nom": "RECTORAT", "prenom": "Opérateur"}, "rectorat2026")
    nom = f"N{uuid.uuid4().hex[:6].upper()}"
    page = user.post_form("/admin/personnels/", {"role": "staff", "etablissement_uai": school["uai"],
                                                 "fonction": "direction", "nom": nom, "prenom": "Marc"})
    text = text_of(page.text)
    assert "Compte créé" in text and "Mot de passe provisoire" in text
    identifiant = page.text.split('class="identifiant">')[1].split("<")[0]
    password = page.text.split('class="mot-de-passe">')[1].split("<")[0]
    assert WebUser(platform.base_url).login(identifiant, password).url.endswith("/premiere-connexion")
    assert password not in user.get("/admin/personnels/").text
    page = user.post_form("/admin/personnels/", {"role": "staff", "etablissement_uai": "", "fonction": "direction",
                                                 "nom": "X" * 150, "prenom": "Marc"})
    assert page.status_code == 200 and "Compte créé" not in text_of(page.text)


def test_the_letter_names_the_services_the_school_opened_and_only_those(platform, school):
    def intro() -> str:
        page = print_letters(school["staff"], school["uai"], {"mode": "classe", "classe": "5A"})
        zoe = next(p for p in pdf_pages(page.content) if "Élève : Zoé DURAND" in p)
        return zoe.split("services en ligne de l'éducation nationale")[1].split("Voici")[0]

    def notes_open(is_open: bool) -> None:
        rpc = platform.rpc()
        try:
            rpc.call("notes", "set_opening", uai=school["uai"], is_open=is_open, account_id=None)
        finally:
            rpc.close()

    notes_open(True)
    try:
        assert "(notes" in intro()
        assert "vie scolaire" not in intro() and "fiche de renseignements" not in intro()  # not deployed here
        notes_open(False)
        assert "notes" not in intro()
    finally:
        notes_open(True)
