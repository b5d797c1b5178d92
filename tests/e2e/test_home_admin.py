"""Issue 5 (and the foundation's menu contract): menus composed from the
deployed services, openings set by staff, degradation when a service stops.

Runs a platform of its own (SQLite: what is tested here is composition; the
openings' storage is tested on both backends with the services that own it),
with two test services (tests/e2e/probe.py) and fast heartbeats."""
import re
import time
import uuid

import pytest

from tests.fixtures import Platform
from tests.e2e.accounts_support import follow, link_in, merge_accounts, wait_for_mail
from tests.helpers import WebUser, family_payload, letters_by_name, text_of, wait_until

SERVICES = {
    "accounts": {"required": True},
    "mailer": {"required": True},
    "probe": {"label": "Sonde", "order": 30},
    "probe2": {"label": "Sonde ouverte", "order": 40},
}


@pytest.fixture(scope="module")
def site(vhosts, databases, tmp_path_factory):
    p = Platform(vhosts, databases, "sqlite", tmp_path_factory.mktemp("home"), SERVICES)
    tmp = p.tmp
    p.cluster.env.update({
        "PROBE_DATABASE_URL": f"sqlite:///{tmp / 'probe.db'}",
        "PROBE2_DATABASE_URL": f"sqlite:///{tmp / 'probe2.db'}",
        "SCOLARITE_HEARTBEAT_SECONDS": "0.5",
        "SCOLARITE_ALIVE_WITHIN": "2",
    })
    p.cluster.service("tests.e2e.probe:ProbeService", service_name="probe")
    p.cluster.service("tests.e2e.probe:AlwaysOpenProbe", service_name="probe2")
    p.start(["accounts", "mailer"])
    rpc = p.rpc()
    uai_a, uai_b = (f"{uuid.uuid4().int % 10**7:07d}{letter}" for letter in "AB")
    rpc.call("accounts", "import_siecle", payload=family_payload(uai=uai_a, nom="COLLÈGE A"))
    payload_b = family_payload(uai=uai_b, nom="COLLÈGE B")
    for person in payload_b["personnes"]:
        person["prenom"] += "-B"
    rpc.call("accounts", "import_siecle", payload=payload_b)
    letters_a = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai_a))
    letters_b = letters_by_name(rpc.call("accounts", "issue_letters", uai=uai_b))
    staff_a = rpc.call("accounts", "create_staff_account", payload={
        "role": "staff", "etablissement_uai": uai_a, "fonction": "direction", "nom": "PROVISEUR", "prenom": "Anne"})
    operator = rpc.call("accounts", "create_staff_account", payload={
        "role": "operator", "nom": "RECTORAT", "prenom": "Olivier"})
    rpc.close()
    yield {"platform": p, "uai_a": uai_a, "uai_b": uai_b, "letters_a": letters_a, "letters_b": letters_b,
           "staff_a": staff_a, "operator": operator}
    p.stop()


def activate(site, letter, birth=None, password="valide2026"):
    user = WebUser(site["platform"].base_url)
    user.login(letter["identifiant"], letter["password"])
    form = {"new_password": password, "new_password_confirm": password}
    if birth:
        form["date_naissance"] = birth
    if letter.get("role") == "responsable":
        form.update(email=f"{letter['identifiant']}@example.org", email_confirm=f"{letter['identifiant']}@example.org")
    page = user.post_form("/premiere-connexion", form)
    # Past the first-connection form (the home page itself may say « Première connexion »).
    assert "Pour activer votre compte" not in text_of(page.text), text_of(page.text)[:500]
    if letter.get("role") == "responsable":
        # A guardian reaches the services once the mailed link is followed (guide § 2.2.1).
        mail = wait_for_mail(site["platform"], form["email"])
        follow(user, link_in(mail, "/confirmation/"))
    return user


@pytest.fixture(scope="module")
def users(site):
    return {
        "philippe_a": activate(site, site["letters_a"]["Philippe MARTIN"], "2012-04-04"),
        "philippe_b": activate(site, site["letters_b"]["Philippe-B MARTIN"], "2012-04-04"),
        "hugo_a": activate(site, site["letters_a"]["Hugo MARTIN"], "2012-04-04"),
        "staff_a": activate(site, site["staff_a"]),
        "operator": activate(site, site["operator"]),
    }


def menu_shows(user: WebUser, path: str, shown: bool, entry: str = "Sonde") -> None:
    """Waits for `entry` to be in (or out of) the menu of `path`: each gateway
    worker drops the menus it kept when the service's `opening_changed`
    notice reaches it, a moment after the opening is saved."""
    wait_until(lambda: (entry in menu_of(user.get(path).text)) == shown,
               f"{entry} {'in' if shown else 'out of'} the menu of {path}", timeout=10, every=0.05)


def menu_of(page_html: str) -> list[str]:
    nav = page_html.split('id="menu-eleve"', 1)[1].split("</nav>", 1)[0]
    return [text_of(item) for item in re.findall(r"<li class=\"fr-sidemenu__item.*?</li>", nav, flags=re.S)]


def set_opening(staff: WebUser, uai: str, service: str, open_: bool):
    page = staff.get(f"/admin/etablissement/{uai}/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return staff.http.post(f"{staff.base_url}/admin/etablissement/{uai}/ouverture/{service}",
                           data={"csrf_token": token, "ouvert": "1" if open_ else "0"}, timeout=30)


def test_menu_lists_deployed_services_that_answer_for_the_child(site, users):
    menu = menu_of(users["philippe_a"].get("/").text)
    assert menu == ["Accueil", "Sonde ouverte", "Mon compte"]  # Sonde is closed by default


def test_opening_by_staff_changes_menus_of_that_establishment_only(site, users):
    page = set_opening(users["staff_a"], site["uai_a"], "probe", True)
    assert "Le service « Sonde » est ouvert aux familles." in text_of(page.text)
    menu_shows(users["philippe_a"], "/", True)
    assert "Sonde" not in menu_of(users["philippe_b"].get("/").text)
    # The menu depends on the viewer: this service is for guardians only.
    assert "Sonde" not in menu_of(users["hugo_a"].get("/").text)

    page = set_opening(users["staff_a"], site["uai_a"], "probe", False)
    assert "Le service « Sonde » est fermé." in text_of(page.text)
    menu_shows(users["philippe_a"], "/", False)


def test_staff_see_which_services_the_academie_deployed(site, users):
    text = text_of(users["staff_a"].get(f"/admin/etablissement/{site['uai_a']}/").text)
    deployed = text.split("Services déployés par l'académie", 2)[2]
    assert "Sonde" in deployed and "Sonde ouverte" in deployed and "mailer" in deployed
    # By their label, never their internal name (issue 13 § 10).
    assert "(probe)" not in deployed and "(probe2)" not in deployed
    assert "Notes" not in deployed


def test_staff_cannot_administer_another_establishment(site, users):
    staff = users["staff_a"]
    assert staff.get(f"/admin/etablissement/{site['uai_b']}/").status_code == 404
    assert set_opening(staff, site["uai_a"], "probe", True).status_code == 200
    page = staff.get(f"/admin/etablissement/{site['uai_a']}/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    refused = staff.http.post(f"{staff.base_url}/admin/etablissement/{site['uai_b']}/ouverture/probe",
                              data={"csrf_token": token, "ouvert": "1"}, timeout=30)
    assert refused.status_code == 404
    assert "Sonde" not in menu_of(users["philippe_b"].get("/").text)
    set_opening(staff, site["uai_a"], "probe", False)


def test_families_never_reach_administration(site, users):
    assert users["philippe_a"].get(f"/admin/etablissement/{site['uai_a']}/").status_code == 404
    assert users["hugo_a"].get("/admin/").status_code == 404


def test_operator_sees_every_establishment(site, users):
    text = text_of(users["operator"].get("/admin/").text)
    assert "COLLÈGE A" in text and "COLLÈGE B" in text
    assert "Comptes des personnels des établissements" in text
    assert users["operator"].get(f"/admin/etablissement/{site['uai_b']}/").status_code == 200


def test_welcome_message_is_plain_text_with_line_breaks(site, users):
    staff = users["staff_a"]
    message = "Bienvenue au collège !\nRéunion parents-professeurs le 3 décembre.\n<script>alert('x')</script>"
    page = staff.post_form(f"/admin/etablissement/{site['uai_a']}/", {"message": message})
    # post_form posts to the page it loaded; the message form has its own action.
    token = re.search(r'name="csrf_token" value="([^"]+)"', staff.get(f"/admin/etablissement/{site['uai_a']}/").text).group(1)
    page = staff.http.post(f"{staff.base_url}/admin/etablissement/{site['uai_a']}/message",
                           data={"csrf_token": token, "message": message}, timeout=30)
    assert "Le message d'accueil est enregistré." in text_of(page.text)
    home = users["philippe_a"].get("/").text
    assert "Réunion parents-professeurs le 3 décembre." in text_of(home)
    assert "<script>alert" not in home and "&lt;script&gt;alert" in home
    assert "Bienvenue au collège !" not in text_of(users["philippe_b"].get("/").text)


def test_too_long_welcome_message_is_refused_in_french(site, users):
    staff = users["staff_a"]
    token = re.search(r'name="csrf_token" value="([^"]+)"', staff.get(f"/admin/etablissement/{site['uai_a']}/").text).group(1)
    page = staff.http.post(f"{staff.base_url}/admin/etablissement/{site['uai_a']}/message",
                           data={"csrf_token": token, "message": "x" * 2001}, timeout=30)
    assert page.status_code == 400
    assert "2000 caractères au maximum." in text_of(page.text)


def test_stopped_service_shows_unavailable_and_the_page_still_renders(site, users):
    platform = site["platform"]
    user = users["philippe_a"]
    probe2 = platform.cluster.processes["probe2"]
    probe2.stop()
    try:
        deadline = time.monotonic() + 15
        while True:
            page = user.get("/")
            assert page.status_code == 200
            assert "La scolarité d" in text_of(page.text)
            menu = menu_of(page.text)
            if "Sonde ouverte (momentanément indisponible)" in menu:
                break
            assert time.monotonic() < deadline, menu
            time.sleep(0.5)
        assert "Mon compte" in menu
    finally:
        probe2.start()
        probe2.wait_ready()
    deadline = time.monotonic() + 15
    while "Sonde ouverte" not in menu_of(user.get("/").text):
        assert time.monotonic() < deadline
        time.sleep(0.5)


def test_a_service_unknown_to_accounts_and_mailer_reaches_the_home_tiles_and_the_families_mailbox(site, users):
    # probe2 is named nowhere in accounts or the mailer: its news and its mail
    # travel by the two routes (scolarite.news, scolarite.mail).
    user = users["philippe_a"]
    home = user.get("/")
    eleve_id = int(re.search(r"/eleve/(\d+)/", home.url).group(1))
    address = f"sonde-{uuid.uuid4().hex[:8]}@example.org"
    rpc = site["platform"].rpc()
    try:
        rpc.call("probe2", "announce", eleve_id=eleve_id, email=address)
    finally:
        rpc.close()
    assert wait_for_mail(site["platform"], address)["subject"]
    deadline = time.monotonic() + 15
    while "1 annonce de la sonde" not in text_of(user.get(f"/eleve/{eleve_id}/").text):
        assert time.monotonic() < deadline, "the probe's news never reached the home page"
        time.sleep(0.2)


def test_service_not_in_the_deployment_is_absent(site, users):
    # probe and probe2 run; a service that is not deployed is never shown,
    # and a page of it does not exist.
    menu = menu_of(users["philippe_a"].get("/").text)
    assert not any("Notes" in entry for entry in menu)
    assert users["philippe_a"].get("/eleve/1/notes/").status_code == 404


def test_footer_pages_are_reachable(site):
    user = WebUser(site["platform"].base_url)
    for path, title in [("/contact", "Contact"), ("/mentions-legales", "Mentions légales"), ("/aide", "Aide"),
                        ("/accessibilite", "Déclaration d'accessibilité")]:
        page = user.get(path)
        assert page.status_code == 200 and title in text_of(page.text)


def test_siblings_in_two_establishments_see_two_menus(site, users):
    """Philippe MARTIN also has a child at a third school; once he merges that
    account ("regroupement"), each child's menu follows its own school."""
    platform = site["platform"]
    rpc = platform.rpc()
    uai_c = f"{uuid.uuid4().int % 10**7:07d}C"
    rpc.call("accounts", "import_siecle", payload={
        "etablissement": {"uai": uai_c, "nom": "LYCÉE C", "type": "lycee", "commune": "LILLE"},
        "eleves": [{"siecle_eleve_id": "9", "nom": "MARTIN", "prenom": "Sarah", "date_naissance": "2009-02-21",
                    "classe": "2NDE 1"}],
        "personnes": [{"siecle_personne_id": "9", "nom": "MARTIN", "prenom": "Philippe", "civilite": "M."}],
        "liens": [{"siecle_eleve_id": "9", "siecle_personne_id": "9", "niveau_responsabilite": 1,
                   "code_parente": "20"}]})
    letter_c = next(l for l in rpc.call("accounts", "issue_letters", uai=uai_c) if l["role"] == "responsable")
    rpc.close()
    philippe = users["philippe_a"]
    page = merge_accounts(philippe, letter_c["identifiant"], letter_c["password"])
    assert "Sarah MARTIN" in text_of(page.text)
    ids = {}
    home = philippe.get("/").text
    for eleve_id in set(re.findall(r'/eleve/(\d+)/"', home)):
        ids[re.split(r"La scolarité d(?:e |')", text_of(philippe.get(f"/eleve/{eleve_id}/").text))[1].split(" Né")[0]] = eleve_id
    assert set(ids) == {"Hugo MARTIN", "Léa MARTIN", "Sarah MARTIN"}

    set_opening(users["staff_a"], site["uai_a"], "probe", True)
    try:
        menu_shows(philippe, f"/eleve/{ids['Hugo MARTIN']}/", True)
        assert "Sonde" not in menu_of(philippe.get(f"/eleve/{ids['Sarah MARTIN']}/").text)
        # Both children share the services open everywhere.
        assert "Sonde ouverte" in menu_of(philippe.get(f"/eleve/{ids['Sarah MARTIN']}/").text)
    finally:
        set_opening(users["staff_a"], site["uai_a"], "probe", False)


def test_staff_open_a_service_for_next_school_year_which_shows_from_the_rentree(site, users):
    """Openings are per school year: staff prepare the next one before the
    rentrée; families see it from 1 September. (Last in this module: it moves
    the clock of the whole platform.)"""
    platform = site["platform"]
    staff, philippe = users["staff_a"], users["philippe_a"]
    today = platform.clock.today()
    current = today.year if today.month >= 9 else today.year - 1
    page = staff.get(f"/admin/etablissement/{site['uai_a']}/?annee={current + 1}")
    assert f"Année {current + 1}-{current + 2}" in text_of(page.text)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    page = staff.http.post(f"{staff.base_url}/admin/etablissement/{site['uai_a']}/ouverture/probe",
                           data={"csrf_token": token, "ouvert": "1", "annee": str(current + 1)}, timeout=30)
    assert "Le service « Sonde » est ouvert aux familles." in text_of(page.text)
    hugo_page = next(f"/eleve/{i}/" for i in set(re.findall(r'/eleve/(\d+)/"', philippe.get("/").text))
                     if "La scolarité d'Hugo MARTIN" in text_of(philippe.get(f"/eleve/{i}/").text))
    assert "Sonde" not in menu_of(philippe.get(hugo_page).text)
    # A year further than the next one cannot be set.
    assert staff.get(f"/admin/etablissement/{site['uai_a']}/?annee={current + 5}").status_code == 404

    from datetime import datetime

    from common.clock import PARIS

    platform.clock.move_to(datetime(current + 1, 9, 1, 8, 0, tzinfo=PARIS))
    try:
        letter = site["letters_a"]["Philippe MARTIN"]
        assert "La scolarité d" in text_of(philippe.login(letter["identifiant"], "valide2026").text)
        assert "Sonde" in menu_of(philippe.get(hugo_page).text)
    finally:
        platform.clock.set_offset(0)


def test_a_form_sent_while_accounts_is_down_comes_back_with_what_was_typed(site, users):
    """A fault loses nothing a person typed and shows no stack trace: the
    login and recovery forms come back filled in, with a French message."""
    platform = site["platform"]
    accounts = platform.cluster.processes["accounts"]
    accounts.stop()
    # Its heartbeats stopped with it; once SCOLARITE_ALIVE_WITHIN (2 s) has
    # passed the gateway knows it is down and sends nothing: then, and only
    # then, "rien n'a été enregistré" is true (a request sent to a stopped
    # service waits in its queue and may still run: tests/messaging/test_faults.py).
    time.sleep(2.5)
    try:
        user = WebUser(platform.base_url)
        page = user.login("p.martin42", "soleil2026")
        assert page.status_code == 503
        text = text_of(page.text)
        assert "Le service est momentanément indisponible : rien n'a été enregistré." in text
        assert 'value="p.martin42"' in page.text
        assert "soleil2026" not in page.text  # a password is never sent back
        page = user.post_form("/identifiant-oublie", {"email": "philippe@example.org"})
        assert page.status_code == 503 and 'value="philippe@example.org"' in page.text
        assert "Traceback" not in page.text
    finally:
        accounts.start()
        accounts.wait_ready()
