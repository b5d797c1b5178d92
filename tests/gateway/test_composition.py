"""Menus composed from the deployed services, cached per worker and dropped
when a service says an establishment's opening changed; another child answers
like a missing one."""
import json

import pytest

from tests.gateway.viewers import UAI_A, UAI_B, child, log_in, responsable

SERVICES = {"accounts": {}, "mailer": {}, "sonde": {"label": "Sonde", "order": 30}}
HUGO, ZOE = child(101, "Hugo", UAI_A), child(102, "Zoé", UAI_B)


def sonde_menus(open_uais):
    """The sonde service's answer: an entry for the children of the establishments it is open in."""
    def menus(children):
        return [{"eleve_id": c["eleve_id"],
                 "menu": {"label": "Sonde", "path": "/sonde/", "order": 30}
                 if c["etablissement_uai"] in open_uais else None} for c in children]
    return menus


@pytest.fixture
def client(make_app, fake_rpc, watch):
    client = make_app(SERVICES).test_client()
    log_in(client, fake_rpc, responsable(HUGO, ZOE))
    fake_rpc.answers[("accounts", "menus")] = lambda children: [{"eleve_id": c["eleve_id"], "menu": None}
                                                                for c in children]
    return client


def menu_text(page):
    nav = page.text.split('id="menu-eleve"', 1)[1].split("</nav>", 1)[0]
    return nav


def notice(watch, service, key, payload):
    class Message:
        delivery_info = {"exchange": f"{service}.events", "routing_key": key}
        body = json.dumps(payload)
    watch._on_message(Message())


def test_each_child_gets_the_entries_of_the_services_open_for_its_establishment(client, fake_rpc):
    fake_rpc.answers[("sonde", "menus")] = sonde_menus({UAI_A})

    assert "Sonde" in menu_text(client.get("/eleve/101/"))
    assert "Sonde" not in menu_text(client.get("/eleve/102/"))


def test_menus_are_asked_once_then_served_from_the_cache(client, fake_rpc):
    fake_rpc.answers[("sonde", "menus")] = sonde_menus({UAI_A})
    for _ in range(3):
        client.get("/eleve/101/")
        client.get("/eleve/102/")

    assert len(fake_rpc.called("sonde", "menus")) == 1


def test_an_opening_change_drops_only_that_establishments_entries(client, fake_rpc, watch):
    fake_rpc.answers[("sonde", "menus")] = sonde_menus(set())
    client.get("/eleve/101/")
    fake_rpc.answers[("sonde", "menus")] = sonde_menus({UAI_A})

    notice(watch, "sonde", "opening_changed", {"etablissement_uai": UAI_A, "annee_scolaire": 2026})
    assert "Sonde" in menu_text(client.get("/eleve/101/"))
    assert len(fake_rpc.called("sonde", "menus")) == 2
    # Another establishment's change leaves these children's entries cached.
    notice(watch, "sonde", "opening_changed", {"etablissement_uai": "0999999Z", "annee_scolaire": 2026})
    client.get("/eleve/102/")
    assert len(fake_rpc.called("sonde", "menus")) == 2


def _establishment_wide(open_uais):
    """sonde_menus, the service saying its entry holds for every child of an
    establishment (common/contract.py `menu_per_child`)."""
    def menus(children):
        return [{**item, "per_child": False} for item in sonde_menus(open_uais)(children)]
    return menus


@pytest.mark.parametrize("per_child", [False, True])
def test_an_entry_for_every_child_of_an_establishment_is_asked_once_for_them_all(client, fake_rpc, watch,
                                                                              per_child):
    fake_rpc.answers[("sonde", "menus")] = sonde_menus({UAI_A}) if per_child else _establishment_wide({UAI_A})
    client.get("/eleve/101/")
    asked = len(fake_rpc.called("sonde", "menus"))
    # Another family, whose child is in Hugo's establishment.
    log_in(client, fake_rpc, responsable(child(103, "Léo", UAI_A), account_id=2))
    assert "Sonde" in menu_text(client.get("/eleve/103/"))
    # Only a service that said so answers for every child: one whose entry is
    # the child's own is asked for each.
    assert len(fake_rpc.called("sonde", "menus")) == asked + per_child
    # Another establishment's child is asked about; an opening change drops
    # the establishment's entry.
    log_in(client, fake_rpc, responsable(child(104, "Inès", "0999999Z"), account_id=3))
    assert "Sonde" not in menu_text(client.get("/eleve/104/"))
    assert len(fake_rpc.called("sonde", "menus")) == asked + per_child + 1
    fake_rpc.answers[("sonde", "menus")] = _establishment_wide(set())
    notice(watch, "sonde", "opening_changed", {"etablissement_uai": UAI_A, "annee_scolaire": 2026})
    log_in(client, fake_rpc, responsable(child(103, "Léo", UAI_A), account_id=2))
    assert "Sonde" not in menu_text(client.get("/eleve/103/"))


def test_the_cache_keeps_at_most_its_size_dropping_the_least_recently_used(watch):
    watch.max_entries = 2
    for eleve_id in (1, 2):
        watch.store_menu(("sonde", eleve_id, UAI_A, "responsable", False, 2026), None, 0)
    watch.cached_menu(("sonde", 1, UAI_A, "responsable", False, 2026))  # 1 is used again
    watch.store_menu(("sonde", 3, UAI_A, "responsable", False, 2026), None, 0)

    assert watch.cached_menu(("sonde", 1, UAI_A, "responsable", False, 2026))[0]
    assert not watch.cached_menu(("sonde", 2, UAI_A, "responsable", False, 2026))[0]
    assert watch.cached_menu(("sonde", 3, UAI_A, "responsable", False, 2026))[0]


def test_a_service_that_does_not_answer_is_shown_unavailable_and_the_page_renders(client, fake_rpc):
    from contract.errors import Unavailable

    fake_rpc.answers[("sonde", "menus")] = Unavailable("no answer in time")
    page = client.get("/eleve/101/")

    assert page.status_code == 200
    assert "Sonde (momentanément indisponible)" in " ".join(menu_text(page).split())


def test_another_child_answers_exactly_like_a_child_that_does_not_exist(client, fake_rpc):
    fake_rpc.answers[("sonde", "menus")] = sonde_menus({UAI_A})
    someone_else, nobody = client.get("/eleve/555/"), client.get("/eleve/999999/")

    assert someone_else.status_code == nobody.status_code == 404
    assert someone_else.text == nobody.text
