"""One folder of templates per kind of message, in French, rendered from the
kind's context; links clickable, values escaped, no access link in a subject."""
import re
from html import unescape

import pytest

from common.mail import DATE, DATETIME, KINDS, SECRET_LINK, SECRET_TEXT, TEXT, TEXT_LIST, mail_request
from services.mailer.rendering import date_fr, render, template_kinds

SAMPLE = {TEXT: "Élodie", TEXT_LIST: ["premier", "second"], DATE: "2027-02-28",
          DATETIME: "2026-12-04T16:30:00+00:00", SECRET_LINK: "https://scolarite.example/lien?jeton=SECRET&x=1",
          SECRET_TEXT: "SECRETmdp42"}


def full_context(kind):
    return {name: SAMPLE[type_] for name, type_ in KINDS[kind].variables.items()}


def test_every_kind_of_the_catalogue_has_its_templates_and_nothing_else_has():
    assert template_kinds() == set(KINDS)


def test_the_seeds_messages_are_all_there():
    assert set(KINDS) == {
        "confirmation_adresse", "rappel_identifiant", "reinitialisation_mot_de_passe",
        "confirmation_nouvelle_adresse", "information_ancienne_adresse", "mot_de_passe_modifie",
        "fiche_modifications_acceptees", "fiche_modifications_refusees", "inscription_accuse_reception",
        "inscription_refus_college", "justification_absence_acceptee", "justification_absence_refusee",
        "lsl_demande_acceptee", "lsl_demande_refusee", "bourse_accuse_reception", "bourse_suivi",
        "notification_compte"}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_renders_in_french_with_its_links_clickable(kind):
    mail_request(kind, "p@example.org", full_context(kind))  # the catalogue accepts this context
    rendered = render(kind, full_context(kind))
    assert rendered.subject and "\n" not in rendered.subject
    assert "Scolarité services" in rendered.text and "Scolarité services" in rendered.html
    assert "{{" not in rendered.text + rendered.html
    assert rendered.html.lstrip().startswith("<!doctype html>") and '<html lang="fr">' in rendered.html
    secret_types = {KINDS[kind].variables[name] for name in KINDS[kind].secret}
    if SECRET_TEXT in secret_types:
        assert SAMPLE[SECRET_TEXT] in rendered.text and SAMPLE[SECRET_TEXT] in rendered.html
        assert "SECRET" not in rendered.subject
    if SECRET_LINK in secret_types:
        assert SAMPLE[SECRET_LINK] in rendered.text
        assert f'href="{SAMPLE[SECRET_LINK].replace("&", "&amp;")}"' in rendered.html
        assert "SECRET" not in rendered.subject


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_renders_without_its_optional_values(kind):
    context = {name: SAMPLE[type_] for name, type_ in KINDS[kind].required.items()}
    rendered = render(kind, {**context, **{name: None for name in KINDS[kind].optional}})
    assert "None" not in rendered.text and "None" not in rendered.html


def test_values_are_escaped_in_html_and_kept_as_typed_in_text():
    context = {"prenom": "<script>alert(1)</script>", "nom": "O'Brien & Fils", "identifiants": ["a<b"]}
    rendered = render("rappel_identifiant", context)
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    assert "O'Brien & Fils" in rendered.text
    assert unescape(re.sub(r"<[^>]+>", "", rendered.html)).count("O'Brien & Fils") == 1


def test_several_identifiers_are_all_recalled():
    one = render("rappel_identifiant", {"prenom": "P", "nom": "M", "identifiants": ["pmartin1"]})
    several = render("rappel_identifiant", {"prenom": "P", "nom": "M", "identifiants": ["pmartin1", "pmartin2"]})
    assert "Votre identifiant est\u00a0: pmartin1" in one.text
    assert "pmartin1" in several.text and "pmartin2" in several.text and "Plusieurs comptes" in several.text


def test_the_old_address_learns_of_the_change_without_the_whole_new_address():
    rendered = render("information_ancienne_adresse", full_context("information_ancienne_adresse")
                      | {"nouvelle_adresse": "nouvelle.adresse@example.org"})
    assert "n***@example.org" in rendered.text and "nouvelle.adresse@" not in rendered.text + rendered.html


def test_dates_are_written_the_french_way_in_french_time():
    assert date_fr("2027-02-28") == "28/02/2027"
    assert date_fr("2026-12-04T16:30:00+00:00") == "04/12/2026 à 17\u00a0h\u00a030"
    assert date_fr("2026-07-04T16:30:00+00:00") == "04/07/2026 à 18\u00a0h\u00a030"


def test_the_reset_link_says_it_is_valid_one_week():
    rendered = render("reinitialisation_mot_de_passe", full_context("reinitialisation_mot_de_passe"))
    assert "valable une semaine, jusqu'au 04/12/2026 à 17\u00a0h\u00a030" in rendered.text


def test_the_students_confirmation_mail_does_not_say_it_is_needed_to_reach_the_services():
    # Guide § 2.3: a student's address is optional; the services open without it.
    guardian = render("confirmation_adresse", full_context("confirmation_adresse") | {"role": "responsable"})
    student = render("confirmation_adresse", full_context("confirmation_adresse") | {"role": "eleve"})
    for rendered in (guardian, student):
        assert SAMPLE[SECRET_LINK] in rendered.text
    assert "nécessaire pour accéder aux services" in guardian.text + guardian.html
    for part in (student.text, unescape(student.html)):
        assert "nécessaire" not in part and "terminer l'activation" not in part
        assert "Vous accédez déjà aux services en ligne" in part


def test_mails_get_no_break_spaces_before_double_punctuation():
    rendered = render("rappel_identifiant", {"prenom": "Éloïse", "nom": "M", "identifiants": ["emartin1"]})
    for part in (rendered.text, unescape(rendered.html)):
        assert re.search(r" [:;?!]", part) is None, part
