"""The notes subjects page in the gateway, the services replaced: its content
is kept rendered per version across the viewer's logins (docs/performance.md),
and each page still names that viewer's own previous connection, or says it
is their first."""
import re

import pytest

from common.typography import french_datetime
from tests.gateway.viewers import child, log_in, responsable
from tests.helpers import text_of

SERVICES = {"accounts": {}, "mailer": {}, "notes": {"label": "Notes", "order": 20}}
HUGO = 7


def subjects_page(version="v1", new=0):
    return {"publication_mode": "fil_de_l_eau", "moyenne_generale": 14.0, "matieres_avec_moyenne": 1,
            "version": version, "matieres": [{
                "id": 3, "libelle": "Mathématiques", "enseignants": ["M. DUPONT"], "nb_notes": 2,
                "nouvelles_notes": new, "derniere_note": "2026-11-20", "moyenne": 14.0, "notes_comptees": 2,
                "codes": {}, "coefficient_zero": 0}]}


@pytest.fixture
def client(make_app, fake_rpc, watch):
    fake_rpc.answers[("notes", "menus")] = lambda children: [
        {"eleve_id": c["eleve_id"], "menu": {"label": "Notes", "path": "/notes/", "order": 20}} for c in children]
    fake_rpc.answers[("accounts", "menus")] = lambda children: [{"eleve_id": c["eleve_id"], "menu": None}
                                                                for c in children]
    return make_app(SERVICES).test_client()


def explanation(html: str) -> str:
    return re.search(r"(En orange, les matières[^.]*|C'est votre première connexion[^.]*)", text_of(html)).group(1)


def test_a_kept_content_names_each_logins_own_previous_connection(client, fake_rpc):
    current = {"page": subjects_page()}

    def service(child, since, known_version=None):
        page = current["page"]
        return {"version": page["version"]} if known_version == page["version"] else page

    fake_rpc.answers[("notes", "subjects")] = service
    address = f"/eleve/{HUGO}/notes/"

    log_in(client, fake_rpc, responsable(child(HUGO, "Hugo")))
    assert explanation(client.get(address).text).startswith("C'est votre première connexion")

    # Three logins of the same guardian, the page's content unchanged.
    for previous in ("2026-11-28T18:05:00+01:00", "2026-11-30T07:45:00+01:00", "2026-12-01T21:10:00+01:00"):
        log_in(client, fake_rpc, {**responsable(child(HUGO, "Hugo")), "previous_login_at": previous})
        html = client.get(address).text
        assert explanation(html) == (
            "En orange, les matières qui ont de nouvelles notes depuis votre dernière connexion "
            f"(le {text_of(french_datetime(previous))}) ; en violet, les autres"), previous
        assert "kept-since" not in html
    asked = fake_rpc.called("notes", "subjects")
    # The content was rendered for the first login and for the first with a
    # previous connection, then kept: the service was asked with its version.
    assert [a["known_version"] for a in asked] == [None, None, "v1", "v1"]
    assert [a["since"] for a in asked][-1] == "2026-12-01T21:10:00+01:00"

    # A new count of new grades is a new version, rendered again.
    current["page"] = subjects_page(version="v2", new=1)
    assert "1 nouvelle note" in text_of(client.get(address).text)
