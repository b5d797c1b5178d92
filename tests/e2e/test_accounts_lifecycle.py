"""Issue 4 over HTTP, as a family does it: every mail is read back from the
local catcher and its link followed in the browser (guide § 2.2 to 2.7, FAQ)."""
import re
from datetime import timedelta

import pytest

from common.clock import add_months
from tests.e2e.accounts_support import (
    confirmed_guardian, first_connection, follow, link_in, mails, merge_accounts, new_establishment, press,
    wait_for_mail,
)
from tests.helpers import WebUser, text_of


@pytest.fixture(scope="module")
def school(platform):
    return new_establishment(platform)


@pytest.fixture
def moved_clock(platform):
    """Time moved for one test, put back after it (the platform is shared)."""
    yield platform.clock
    platform.clock.set_offset(0)


def test_guardian_reaches_nothing_until_the_mailed_link_is_followed(platform, school):
    letter = school["letters"]["Philippe MARTIN"]
    user, page = first_connection(platform, letter, "2014-01-02", email="philipe@exemple.org")
    text = text_of(page.text)
    assert "Un courriel contenant un lien de confirmation a été envoyé à philipe@exemple.org." in text
    assert "Valider" in text
    wrong = wait_for_mail(platform, "philipe@exemple.org")
    assert "valable jusqu'au" in wrong["text"]

    # Nothing but "Vérification mail" until the address is confirmed.
    for path in ("/", "/compte/", "/compte/enfants"):
        assert user.get(path).url.endswith("/verification-courriel")
    page = WebUser(platform.base_url).login(letter["identifiant"], "soleil2026")
    assert page.url.endswith("/verification-courriel")
    text = text_of(page.text)
    assert "Vérification mail" in text and 'value="philipe@exemple.org"' in page.text

    # The address was mistyped: corrected there, the link goes to the new one.
    page = user.post_form("/verification-courriel", {"email": "philippe@example.org",
                                                      "email_confirm": "philippe@example.org"})
    assert "Un courriel contenant un lien de confirmation a été envoyé à philippe@example.org." in text_of(page.text)
    mail = wait_for_mail(platform, "philippe@example.org")
    assert letter["identifiant"] in mail["text"]

    # The first link died with the address it was for.
    stale = follow(user, link_in(wrong, "/confirmation/"))
    assert stale.status_code == 404 and "Ce lien n'est plus valable" in text_of(stale.text)

    page = follow(WebUser(platform.base_url), link_in(mail, "/confirmation/"))
    text = text_of(page.text)
    assert page.status_code == 200 and "Votre adresse électronique philippe@example.org est confirmée." in text
    assert 'href="/connexion"' in page.text and "Accéder aux services" in text
    assert "La scolarité d" in text_of(user.get("/").text)
    # A link works once; followed again, it says the address is already confirmed (issue 13 § 7).
    again = follow(user, link_in(mail, "/confirmation/"))
    assert again.status_code == 200 and "Adresse électronique déjà confirmée" in text_of(again.text)
    assert 'href="/connexion"' in again.text


def test_confirmation_link_is_valid_three_months(platform, school, moved_clock):
    start = moved_clock.now()
    first_connection(platform, school["letters"]["Claire MARTIN"], "2012-04-04", email=f"claire-{school['uai']}@example.org")
    first_connection(platform, school["letters"]["Paul DURAND"], "2013-06-30", email="paul@example.org")
    end = moved_clock.now()
    claire = link_in(wait_for_mail(platform, f"claire-{school['uai']}@example.org"), "/confirmation/")
    paul = link_in(wait_for_mail(platform, "paul@example.org"), "/confirmation/")
    moved_clock.move_to(add_months(start, 3) - timedelta(seconds=2))
    assert "est confirmée" in text_of(follow(WebUser(platform.base_url), claire).text)
    moved_clock.move_to(add_months(end, 3) + timedelta(seconds=2))
    page = follow(WebUser(platform.base_url), paul)
    assert page.status_code == 404 and "Ce lien de confirmation a expiré : il était valable 3 mois." in text_of(page.text)


def test_student_address_is_optional_and_its_link_can_be_sent_again_from_the_profile(platform, school):
    user, page = first_connection(platform, school["letters"]["Hugo MARTIN"], "2012-04-04",
                                  email="hugo@example.org")
    assert "La scolarité d'Hugo MARTIN" in text_of(page.text)  # not blocked
    wait_for_mail(platform, "hugo@example.org")
    profile = text_of(user.get("/compte/").text)
    assert "hugo@example.org" in profile and "non confirmée" in profile
    page = press(user, "/compte/", "/compte/renvoyer-confirmation")
    assert "Un nouveau lien de confirmation a été envoyé à hugo@example.org." in text_of(page.text)
    again = wait_for_mail(platform, "hugo@example.org", 2)
    follow(user, link_in(again, "/confirmation/"))
    profile = user.get("/compte/")
    assert "confirmée" in text_of(profile.text) and "Renvoyer le lien" not in text_of(profile.text)


def test_forgotten_identifier_and_password_answer_the_same_page_whatever_the_input(platform):
    site = new_establishment(platform)
    letter = site["letters"]["Philippe MARTIN"]
    address = f"famille-{site['uai']}@example.org"
    user = confirmed_guardian(platform, letter, "2014-01-02", address)

    answers = []
    for email in (address, f"inconnu-{site['uai']}@example.org"):
        page = WebUser(platform.base_url).post_form("/identifiant-oublie", {"email": email})
        answers.append(text_of(page.text))
    assert answers[0] == answers[1] and "Demande enregistrée" in answers[0]
    reminder = wait_for_mail(platform, address, 2)
    assert letter["identifiant"] in reminder["text"]

    answers = []
    for ident in (letter["identifiant"], "q.personne42"):
        page = WebUser(platform.base_url).post_form("/mot-de-passe-oublie", {"identifiant": ident})
        answers.append(text_of(page.text))
    assert answers[0] == answers[1] and "valable une semaine" in answers[0]
    reset = link_in(wait_for_mail(platform, address, 3), "/mot-de-passe-oublie/")

    # The password does not change until the link is used.
    assert "La scolarité d" in text_of(WebUser(platform.base_url).login(letter["identifiant"], "soleil2026").text)
    other = WebUser(platform.base_url)
    other.login(letter["identifiant"], "soleil2026")

    browser = WebUser(platform.base_url)
    page = browser.post_form(reset.replace(platform.base_url, ""), {"new_password": "court1",
                                                                    "new_password_confirm": "court1"})
    assert "Le mot de passe doit comporter de 8 à 14 caractères." in text_of(page.text)
    page = browser.post_form(reset.replace(platform.base_url, ""), {"new_password": "nouveau2027",
                                                                    "new_password_confirm": "nouveau2027"})
    assert page.url.endswith("/connexion") and "Votre mot de passe a été modifié" in text_of(page.text)
    notice = wait_for_mail(platform, address, 4)
    assert "mot de passe" in notice["subject"].lower()

    # Every other session ended; the old password is refused, the new one works; the link works once.
    for session in (user, other):
        assert session.get("/").url.split("?")[0].endswith("/connexion")
    assert "incorrect" in text_of(WebUser(platform.base_url).login(letter["identifiant"], "soleil2026").text)
    assert "La scolarité d" in text_of(WebUser(platform.base_url).login(letter["identifiant"], "nouveau2027").text)
    again = follow(WebUser(platform.base_url), reset)
    assert again.status_code == 404 and "Ce lien n'est plus valable" in text_of(again.text)


def test_no_self_help_for_an_address_not_confirmed(platform, school):
    letter = school["letters"]["Zoé DURAND"]
    zoe, _page = first_connection(platform, letter, "2013-06-30", email="zoe@example.org")
    wait_for_mail(platform, "zoe@example.org")
    WebUser(platform.base_url).post_form("/identifiant-oublie", {"email": "zoe@example.org"})
    page = WebUser(platform.base_url).post_form("/mot-de-passe-oublie", {"identifiant": letter["identifiant"]})
    assert "Demande enregistrée" in text_of(page.text)
    # The service answered after committing: its journal says what it sent.
    rpc = platform.rpc()
    try:
        kinds = [e["kind"] for e in rpc.call("accounts", "audit_log", identifiant=letter["identifiant"])]
    finally:
        rpc.close()
    assert "identifier_reminder" not in kinds and "password_reset_requested" not in kinds
    # And the mailbox: a confirmation asked for after the two requests goes
    # through the same queue behind them; once it is here, nothing else came.
    press(zoe, "/compte/", "/compte/renvoyer-confirmation")
    wait_for_mail(platform, "zoe@example.org", 2)
    assert [m["subject"] for m in mails(platform, "zoe@example.org")] == [
        "Confirmez votre adresse électronique – Scolarité services"] * 2


def test_reset_link_is_valid_one_week(platform, moved_clock):
    site = new_establishment(platform)
    first, second = site["letters"]["Philippe MARTIN"], site["letters"]["Paul DURAND"]
    a, b = f"a-{site['uai']}@example.org", f"b-{site['uai']}@example.org"
    confirmed_guardian(platform, first, "2014-01-02", a)
    confirmed_guardian(platform, second, "2013-06-30", b)
    start = moved_clock.now()
    WebUser(platform.base_url).post_form("/mot-de-passe-oublie", {"identifiant": first["identifiant"]})
    WebUser(platform.base_url).post_form("/mot-de-passe-oublie", {"identifiant": second["identifiant"]})
    end = moved_clock.now()
    link_a = link_in(wait_for_mail(platform, a, 2), "/mot-de-passe-oublie/")
    link_b = link_in(wait_for_mail(platform, b, 2), "/mot-de-passe-oublie/")
    moved_clock.move_to(start + timedelta(weeks=1) - timedelta(seconds=2))
    assert "Choisir un nouveau mot de passe" in text_of(follow(WebUser(platform.base_url), link_a).text)
    moved_clock.move_to(end + timedelta(weeks=1) + timedelta(seconds=2))
    page = follow(WebUser(platform.base_url), link_b)
    assert page.status_code == 404 and "il était valable une semaine" in text_of(page.text)


def test_profile_changes_need_the_current_password_and_tell_the_old_address(platform):
    site = new_establishment(platform)
    letter = site["letters"]["Philippe MARTIN"]
    old, new = f"ancienne-{site['uai']}@example.org", f"nouvelle-{site['uai']}@example.org"
    user = confirmed_guardian(platform, letter, "2014-01-02", old)
    other = WebUser(platform.base_url)
    other.login(letter["identifiant"], "soleil2026")

    page = user.get("/compte/")
    text = text_of(page.text)
    assert letter["identifiant"] in text and old in text
    assert 'name="identifiant"' not in page.text  # shown, not editable

    page = user.post_form("/compte/", {"current_password": "mauvais123", "email": new, "email_confirm": new})
    assert "Mot de passe actuel incorrect." in text_of(page.text)
    page = user.post_form("/compte/", {"current_password": "soleil2026", "email": new, "email_confirm": new})
    assert f"Un courriel contenant un lien de confirmation a été envoyé à {new}." in text_of(page.text)
    notice = wait_for_mail(platform, old, 2)
    assert "un changement de l'adresse électronique de votre compte" in notice["text"]
    assert letter["identifiant"] in notice["text"]
    assert old in text_of(user.get("/compte/").text)  # not yet
    follow(WebUser(platform.base_url), link_in(wait_for_mail(platform, new), "/confirmation/"))
    assert new in text_of(user.get("/compte/").text)

    page = user.post_form("/compte/", {"current_password": "soleil2026", "new_password": "nouveau2027",
                                        "new_password_confirm": "nouveau2027"})
    assert "Votre mot de passe a été modifié" in text_of(page.text)
    assert "mot de passe" in wait_for_mail(platform, new, 2)["subject"].lower()
    assert other.get("/").url.split("?")[0].endswith("/connexion")  # the other session ended
    assert "La scolarité d" in text_of(user.get("/").text)  # this one goes on


def lycee_payload(uai):
    """Philippe MARTIN (Hugo and Léa at the collège) also has Sarah at a lycée."""
    return {
        "etablissement": {"uai": uai, "nom": "LYCEE MARGUERITE DE FLANDRE", "type": "lycee", "commune": "GONDECOURT"},
        "eleves": [{"siecle_eleve_id": "301", "nom": "MARTIN", "prenom": "Sarah", "date_naissance": "2009-02-21",
                    "classe": "2NDE"}],
        "personnes": [{"siecle_personne_id": "401", "nom": "MARTIN", "prenom": "Philippe", "civilite": "M."}],
        "liens": [{"siecle_eleve_id": "301", "siecle_personne_id": "401", "niveau_responsabilite": 1,
                   "code_parente": "20"}],
    }


def test_children_page_and_merging_accounts(platform):
    college = new_establishment(platform)
    lycee = new_establishment(platform, lycee_payload)
    philippe = college["letters"]["Philippe MARTIN"]
    address = f"p-{college['uai']}@example.org"
    user = confirmed_guardian(platform, philippe, "2014-01-02", address)

    text = text_of(user.get("/compte/enfants").text)
    assert "Hugo MARTIN - 04/04/2012" in text and "Léa MARTIN - 02/01/2014" in text
    assert "Responsable : Philippe MARTIN" in text and "Sarah" not in text

    refusals = [
        ({"identifiant": college["letters"]["Hugo MARTIN"]["identifiant"],
          "password": college["letters"]["Hugo MARTIN"]["password"]}, "Ce compte est un compte élève"),
        ({"identifiant": philippe["identifiant"], "password": "soleil2026"}, "C'est le compte avec lequel vous êtes connecté."),
        ({"identifiant": college["letters"]["Claire MARTIN"]["identifiant"],
          "password": college["letters"]["Claire MARTIN"]["password"]}, "Ce compte appartient à une autre personne"),
        ({"identifiant": lycee["letters"]["Philippe MARTIN"]["identifiant"], "password": "mauvais123"},
         "Identifiant ou mot de passe incorrect pour le compte à regrouper."),
    ]
    for form, message in refusals:
        page = user.post_form("/compte/enfants/regrouper", form)
        assert page.status_code == 200 and message in text_of(page.text)

    # The other account is in use in another browser: merging ends that session.
    other_letter = lycee["letters"]["Philippe MARTIN"]
    other, _ = first_connection(platform, other_letter, "2009-02-21", "lycee2026", f"l-{lycee['uai']}@example.org")
    # "Suivant" says what will happen; nothing is merged before the confirmation.
    step = user.post_form("/compte/enfants/regrouper", {"identifiant": other_letter["identifiant"],
                                                        "password": "lycee2026"})
    assert "Sarah MARTIN sera rattaché(e) à votre compte" in text_of(step.text)
    assert "Sarah MARTIN" not in text_of(user.get("/compte/enfants").text)
    page = merge_accounts(user, other_letter["identifiant"], "lycee2026")
    text = text_of(page.text)
    assert page.url.endswith("/compte/enfants") and "Les comptes ont été regroupés" in text
    assert "Sarah MARTIN - 21/02/2009" in text and "Hugo MARTIN" in text
    assert other.get("/").url.split("?")[0].endswith("/connexion")
    assert "incorrect" in text_of(WebUser(platform.base_url).login(other_letter["identifiant"], "lycee2026").text)
    # One menu per child, in two establishments.
    home = user.get("/")
    assert len(set(re.findall(r"/eleve/(\d+)/", home.text))) == 3


def test_provisional_password_is_refused_after_three_months_with_a_message(platform, moved_clock):
    start = moved_clock.now()
    site = new_establishment(platform)
    end = moved_clock.now()
    letter = site["letters"]["Paul DURAND"]
    moved_clock.move_to(add_months(start, 3) - timedelta(seconds=2))
    assert WebUser(platform.base_url).login(letter["identifiant"], letter["password"]).url.endswith("/premiere-connexion")
    moved_clock.move_to(add_months(end, 3) + timedelta(seconds=2))
    page = WebUser(platform.base_url).login(letter["identifiant"], letter["password"])
    assert "Contactez le secrétariat de l'établissement pour obtenir une nouvelle notification." in text_of(page.text)


@pytest.mark.parametrize("path, form, message", [
    ("/identifiant-oublie", {"email": "pas une adresse"}, "Adresse électronique invalide."),
    ("/identifiant-oublie", {"email": "x" * 300 + "@example.org"}, "caractères"),
    ("/identifiant-oublie", {"email": ""}, "Ce champ est obligatoire."),
    ("/mot-de-passe-oublie", {"identifiant": "p.martin<script>"}, "Identifiant invalide"),
    ("/mot-de-passe-oublie", {"identifiant": "ä" * 41}, "caractères"),
    ("/mot-de-passe-oublie", {"identifiant": "   "}, "Ce champ est obligatoire."),
])
def test_bad_input_on_the_login_page_helpers_gets_a_french_message(platform, path, form, message):
    page = WebUser(platform.base_url).post_form(path, form)
    assert page.status_code == 200
    assert message in text_of(page.text)
    assert "Demande enregistrée" not in text_of(page.text)


@pytest.fixture(scope="module")
def lea(platform, school):
    """A student past the first connection, password soleil2026."""
    letter = school["letters"]["Léa MARTIN"]
    first_connection(platform, letter, "2014-01-02")
    return letter


@pytest.mark.parametrize("form, message", [
    ({"current_password": ""}, "Ce champ est obligatoire."),
    ({"current_password": "soleil2026"}, "Indiquez une nouvelle adresse électronique ou un nouveau mot de passe."),
    ({"current_password": "soleil2026", "email": "a@example.org", "email_confirm": "b@example.org"},
     "Les deux adresses ne sont pas identiques."),
    ({"current_password": "soleil2026", "new_password": "abcdefghij", "new_password_confirm": "abcdefghij"},
     "au moins une lettre et au moins un chiffre"),
    ({"current_password": "soleil2026", "new_password": "valide2026", "new_password_confirm": "valide2027"},
     "Les deux mots de passe ne sont pas identiques."),
    ({"current_password": "soleil2026", "new_password": "é" * 200, "new_password_confirm": "é" * 200},
     "caractères"),
])
def test_bad_input_on_the_profile_changes_nothing(platform, lea, form, message):
    user = WebUser(platform.base_url)
    user.login(lea["identifiant"], "soleil2026")
    page = user.post_form("/compte/", form)
    assert page.status_code == 200 and message in text_of(page.text)
    assert "La scolarité d" in text_of(WebUser(platform.base_url).login(lea["identifiant"], "soleil2026").text)


def test_merge_form_refuses_malformed_identifiers(platform):
    site = new_establishment(platform)
    user = confirmed_guardian(platform, site["letters"]["Claire MARTIN"], "2012-04-04",
                              f"c-{site['uai']}@example.org")
    for ident, message in [("x'; drop table account; --", "Identifiant invalide"), ("a" * 41, "caractères"),
                           ("", "Ce champ est obligatoire.")]:
        page = user.post_form("/compte/enfants/regrouper", {"identifiant": ident, "password": "x"})
        assert page.status_code == 200 and message in text_of(page.text)
