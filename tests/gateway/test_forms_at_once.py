"""Issue 13 § 3 and 4, the gateway's side: the first-connection form shows
every field's problem in one round with a summary at the top, keeps what was
typed but passwords, and a birth date it cannot read never reaches accounts
(so it never counts toward the account's slow-down)."""
import re

import pytest

from contract.errors import ValidationError
from tests.gateway.viewers import child, log_in, responsable


@pytest.fixture
def guardian(make_app, fake_rpc, watch):
    app = make_app()
    client = app.test_client()
    viewer = {**responsable(child(7, "Léa")), "must_change_password": True}
    log_in(client, fake_rpc, viewer)
    fake_rpc.answers[("accounts", "rules")] = {"password": {"hint": "8 à 14 caractères"}}
    return client


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u00a0", " ")


def test_every_problem_at_once_with_a_summary_and_the_page_title(guardian, fake_rpc):
    fake_rpc.answers[("accounts", "first_connection")] = ValidationError({
        "date_naissance": ["Ce champ est obligatoire."], "new_password": ["Ce champ est obligatoire."],
        "email": ["L'adresse électronique est obligatoire pour un responsable."]})
    page = guardian.post("/premiere-connexion", data={"email_confirm": "lea@example.org"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r"<title>Erreur\u00a0: Première connexion", html)
    summary = html[html.index('id="erreurs"'):html.index("</ul>", html.index('id="erreurs"'))]
    assert "Le formulaire contient 3 erreurs" in summary
    assert 'href="#date_naissance-jour"' in summary and 'href="#new_password"' in summary
    assert 'href="#email"' in summary
    # Each message is also beside its field; what was typed stays.
    assert 'id="email-erreurs"' in html and 'id="new_password-erreurs"' in html
    assert 'value="lea@example.org"' in html


def test_an_unreadable_date_never_reaches_accounts_yet_the_other_fields_are_checked(guardian, fake_rpc):
    fake_rpc.answers[("accounts", "first_connection")] = lambda **kw: (_ for _ in ()).throw(ValidationError({
        "date_naissance": ["Ce champ est obligatoire."], "email": ["Adresse électronique invalide."]}))
    page = guardian.post("/premiere-connexion", data={
        "date_naissance-jour": "31", "date_naissance-mois": "02", "date_naissance-annee": "2012",
        "new_password": "soleil2026", "new_password_confirm": "soleil2026", "email": "pas une adresse",
        "email_confirm": "pas une adresse"})
    (sent,) = fake_rpc.called("accounts", "first_connection")
    # Sent without the date, only to be checked: accounts counts no wrong date and activates nothing.
    assert sent["form"]["date_naissance"] is None and sent["check_only"] is True
    text = _text(page.get_data(as_text=True))
    assert "Date invalide : indiquez le jour, le mois et l'année en chiffres" in text
    assert "Ce champ est obligatoire." not in text
    assert "Adresse électronique invalide." in text
    html = page.get_data(as_text=True)
    # The three parts come back as typed; the passwords do not.
    assert 'value="31"' in html and 'value="2012"' in html and "soleil2026" not in html


def test_a_readable_date_is_sent_as_iso(guardian, fake_rpc):
    fake_rpc.answers[("accounts", "first_connection")] = ValidationError({"email": ["x"]})
    guardian.post("/premiere-connexion", data={
        "date_naissance-jour": "4", "date_naissance-mois": "4", "date_naissance-annee": "2012",
        "new_password": "soleil2026", "new_password_confirm": "soleil2026"})
    (sent,) = fake_rpc.called("accounts", "first_connection")
    assert sent["form"]["date_naissance"] == "2012-04-04" and sent["check_only"] is False


def test_no_native_date_input(guardian, fake_rpc):
    html = guardian.get("/premiere-connexion").get_data(as_text=True)
    assert 'type="date"' not in html
    for part in ("jour", "mois", "annee"):
        assert f'name="date_naissance-{part}"' in html
