"""The gateway under hostile input and its security headers (issue 12,
docs/security.md), through the platform as `make run` starts it, on
PostgreSQL (tests/fixtures.py E2E_BACKENDS; the stricter of the two with
text: it refuses a NUL character SQLite stores, and every service's hostile
input tests run on both): every route's response carries the headers; generated text,
numbers and ids sent to every form and every route that takes a parameter
never give a 500, and text with control characters is refused beside its
field and stores nothing."""
import re
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.accounts_support import confirmed_guardian, new_establishment
from tests.helpers import WebUser, staff_web_user, text_of

CONTROL_MESSAGE = "Caractères non autorisés"
# Text a browser can send (no lone surrogate: it cannot be encoded in UTF-8).
SENDABLE = st.characters(exclude_categories=("Cs",))
CONTROL = st.sampled_from(["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x7f", "\x85", "\x9f"])
HOSTILE_TEXT = st.tuples(st.text(SENDABLE, max_size=20), CONTROL, st.text(SENDABLE, max_size=20)).map("".join)
ANY_TEXT = st.one_of(st.text(SENDABLE, max_size=300), HOSTILE_TEXT)
IDS = st.one_of(st.integers(min_value=-(2**70), max_value=2**70).map(str), st.text(SENDABLE, min_size=1, max_size=30))
BOUNDED = settings(max_examples=12, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def site(platform):
    school = new_establishment(platform)
    guardian = confirmed_guardian(platform, school["letters"]["Philippe MARTIN"], "2014-01-02",
                                  f"philippe.{uuid.uuid4().hex[:6]}@example.org")
    staff = staff_web_user(platform, {"role": "staff", "etablissement_uai": school["uai"],
                                      "fonction": "direction", "nom": "PROVISEUR", "prenom": "Anne"})
    operator = staff_web_user(platform, {"role": "operator", "nom": "RECTORAT", "prenom": "Olivier"})
    child = int(re.search(r"/eleve/(\d+)/", guardian.get("/").text).group(1))
    return {"platform": platform, "uai": school["uai"], "guardian": guardian, "staff": staff,
            "operator": operator, "anonymous": WebUser(platform.base_url), "child": child,
            "guardian_login": (school["letters"]["Philippe MARTIN"]["identifiant"], "soleil2026")}


def stored_state(site) -> dict:
    """What a refused form must not change, read back through the services."""
    rpc = site["platform"].rpc()
    try:
        return {
            "staff": rpc.call("accounts", "list_staff"),
            "message": rpc.call("accounts", "get_etablissement", uai=site["uai"]).get("message_accueil"),
            "mails": rpc.call("mailer", "outbox_page", query={"all_etablissements": True})["total"],
            "guardian": rpc.call("accounts", "audit_log", identifiant=site["guardian_login"][0])[:1],
        }
    finally:
        rpc.close()


# -- security headers on every route ----------------------------------------
def routes(platform, monkeypatch) -> list[str]:
    """Every GET route the running gateway serves, read from the same
    application factory with the same deployment."""
    monkeypatch.setenv("SCOLARITE_DEV", "1")
    monkeypatch.setenv("SCOLARITE_DEPLOY_FILE", str(platform.tmp / "services.yml"))
    from gateway.app import create_app

    return sorted({rule.rule for rule in create_app().url_map.iter_rules() if "GET" in rule.methods})


def test_every_route_answers_with_the_security_headers(site, monkeypatch):
    samples = {"eleve_id": str(site["child"]), "subject_id": "1", "uai": site["uai"], "token": "x" * 43,
               "message_id": "1-000001-abcdef12", "service": "notes"}
    checked = 0
    for rule in routes(site["platform"], monkeypatch):
        static = rule.startswith("/static/")
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: samples.get(m.group(1), "dsfr.min.css" if static else "x"), rule)
        if static:
            path = path.replace("/static/dsfr.min.css", "/static/theme.css")
        for who in ("anonymous", "guardian", "staff", "operator"):
            response = site[who].http.get(site["platform"].base_url + path, timeout=30, allow_redirects=False)
            assert response.status_code != 500, (who, path)
            headers = response.headers
            policy = headers.get("Content-Security-Policy", "")
            script_src = re.search(r"script-src ([^;]*)", policy)
            assert script_src and "'unsafe-inline'" not in script_src.group(1), (who, path, policy)
            assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy, (who, path, policy)
            assert headers.get("X-Frame-Options") == "DENY", (who, path)
            assert headers.get("X-Content-Type-Options") == "nosniff", (who, path)
            assert headers.get("Referrer-Policy") in ("same-origin", "no-referrer"), (who, path)
            assert "camera=()" in headers.get("Permissions-Policy", ""), (who, path)
            # Served over plain HTTP here: HSTS only when served over HTTPS.
            assert "Strict-Transport-Security" not in headers, (who, path)
            if not static:
                assert headers.get("Cache-Control") == "no-store", (who, path, headers.get("Cache-Control"))
            checked += 1
    assert checked >= 4 * 30


def test_pages_carry_no_inline_script_or_style(site):
    for who, path in (("anonymous", "/connexion"), ("guardian", "/"), ("guardian", f"/eleve/{site['child']}/"),
                      ("guardian", "/compte/"), ("staff", f"/admin/etablissement/{site['uai']}/"),
                      ("operator", "/admin/personnels/")):
        html = site[who].get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), (who, path)
        assert not re.search(r"\sstyle=", html), (who, path)
        assert not re.search(r"\son[a-z]+=", html), (who, path)


# -- hostile input, property-based ------------------------------------------
def forms(site) -> list[tuple[str, str, list[str]]]:
    uai = site["uai"]
    return [
        ("anonymous", "/connexion", ["identifiant", "mot_de_passe"]),
        ("anonymous", "/identifiant-oublie", ["email"]),
        ("anonymous", "/mot-de-passe-oublie", ["identifiant"]),
        ("guardian", "/compte/", ["current_password", "email", "email_confirm", "new_password",
                                  "new_password_confirm"]),
        ("guardian", "/compte/enfants/regrouper", ["identifiant", "password"]),
        ("staff", f"/admin/etablissement/{uai}/message", ["message"]),
        ("staff", f"/admin/etablissement/{uai}/lettres", ["classe"]),
        ("operator", "/admin/personnels/", ["nom", "prenom", "email"]),
    ]


@BOUNDED
@given(data=st.data())
def test_generated_text_in_every_form_never_gives_a_500_and_control_characters_store_nothing(site, data):
    who, path, names = data.draw(st.sampled_from(forms(site)))
    values = {name: data.draw(ANY_TEXT) for name in names}
    hostile = data.draw(st.sampled_from(names))
    values[hostile] = data.draw(HOSTILE_TEXT)
    if path.endswith("/personnels/"):
        values.update(role="operator")
    before = stored_state(site)
    page = site[who].post_form(path, values)
    assert page.status_code != 500, (path, values)
    if page.status_code == 200:
        assert CONTROL_MESSAGE in text_of(page.text), (path, values, text_of(page.text)[:400])
    assert stored_state(site) == before, (path, values)


@BOUNDED
@given(data=st.data())
def test_generated_ids_and_text_in_every_route_parameter_never_give_a_500(site, data):
    uai, child = site["uai"], site["child"]
    who, template = data.draw(st.sampled_from([
        ("guardian", "/eleve/{id}/"), ("guardian", "/eleve/{id}/notes/"),
        ("guardian", f"/eleve/{child}/notes/{{id}}"), ("anonymous", "/confirmation/{text}"),
        ("anonymous", "/mot-de-passe-oublie/{text}"), ("staff", "/admin/etablissement/{text}/"),
        ("staff", f"/admin/etablissement/{uai}/journal?identifiant={{text}}"),
        ("staff", f"/admin/etablissement/{uai}/courriels?destinataire={{text}}&page={{id}}"),
        ("operator", "/admin/courriels?destinataire={text}&statut={text}"),
        ("staff", f"/admin/etablissement/{uai}/?annee={{id}}"),
    ]))
    from urllib.parse import quote

    path = template.format(id=quote(data.draw(IDS), safe=""), text=quote(data.draw(ANY_TEXT), safe=""))
    before = stored_state(site)
    page = site[who].get(path)
    assert page.status_code != 500, (who, path)
    assert "Traceback" not in page.text
    assert stored_state(site) == before, path


@pytest.mark.parametrize("field", ["destinataire", "identifiant"])
def test_a_nul_byte_in_a_staff_search_is_refused_beside_the_field(site, field):
    page_path = (f"/admin/etablissement/{site['uai']}/courriels" if field == "destinataire"
                 else f"/admin/etablissement/{site['uai']}/journal")
    page = site["staff"].get(f"{page_path}?{field}=p.martin1%00")
    assert page.status_code == 200
    assert re.search(rf'id="{field}-erreur"[^>]*>\s*{CONTROL_MESSAGE}', page.text), text_of(page.text)[:500]


def test_a_nul_byte_in_the_login_identifier_is_refused_beside_the_field(site):
    page = site["anonymous"].post_form("/connexion", {"identifiant": "p.martin1\x00", "mot_de_passe": "x"})
    assert page.status_code == 200
    assert CONTROL_MESSAGE in text_of(page.text)
    # The typed identifier stays in the field.
    assert 'value="p.martin1' in page.text


def test_an_absurd_subject_id_is_a_french_404(site):
    page = site["guardian"].get(f"/eleve/{site['child']}/notes/99999999999999999999")
    assert page.status_code == 404
    assert "Page introuvable" in text_of(page.text)


# -- no secret token in any log ----------------------------------------------
def test_mailed_links_tokens_appear_in_no_log_after_a_journey(site):
    """A guardian confirms an address, then resets a forgotten password by
    the mailed link, as a person would; then every log of the platform (the
    gateway's access log, every service's) is read for the two tokens."""
    from tests.e2e.accounts_support import first_connection, follow, link_in, wait_for_mail

    platform = site["platform"]
    school = new_establishment(platform)
    letter = school["letters"]["Paul DURAND"]
    email = f"paul.{uuid.uuid4().hex[:6]}@example.org"
    user, _page = first_connection(platform, letter, "2013-06-30", email=email)
    confirmation = link_in(wait_for_mail(platform, email), "/confirmation/")
    assert follow(user, confirmation).status_code == 200
    anonymous = WebUser(platform.base_url)
    anonymous.post_form("/mot-de-passe-oublie", {"identifiant": letter["identifiant"]})
    reset = link_in(wait_for_mail(platform, email, 2), "/mot-de-passe-oublie/")
    reset_path = reset.split(platform.base_url, 1)[1]
    page = anonymous.post_form(reset_path, {"new_password": "nouveau2027", "new_password_confirm": "nouveau2027"})
    assert page.status_code == 200
    assert WebUser(platform.base_url).login(letter["identifiant"], "nouveau2027").status_code == 200

    tokens = [link.rstrip("/").rsplit("/", 1)[1] for link in (confirmation, reset)]
    logs = sorted((platform.tmp / "logs").glob("*.log"))
    assert any("GET /confirmation/" in log.read_text(errors="replace") for log in logs), \
        "the access log should show the requests (with the token masked)"
    for log in logs:
        text = log.read_text(errors="replace")
        for token in tokens:
            assert token not in text, f"a link's token is written in {log.name}"
