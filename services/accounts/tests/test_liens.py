"""The académie's services shown as links (guide § 1.1, § 3.6; issue 19):
declared by an operator, opened per establishment and school year by its
staff, in the menu of exactly the viewers and establishments declared."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from common.errors import Forbidden, NotFound, ValidationError
from services.accounts.models import Account
from services.accounts.tests.conftest import activate, confirmed_guardian
from tests.helpers import family_payload, letters_by_name

COLLEGE, LYCEE = "0590001A", "0590002B"


def _staff(service, uai=None, role="staff"):
    return service.create_staff_account(payload={
        "role": role, "etablissement_uai": uai if role == "staff" else None, "fonction": "direction",
        "nom": "PRINCIPAL", "prenom": "Paul"})["account_id"]


def _lien(**overrides):
    return {"nom": "Pix", "adresse": "https://pix.fr/connexion", "description": "Certification numérique",
            "audience": "eleves", "types_etablissement": ["college", "lycee"], "ordinateur_seulement": False,
            **overrides}


@pytest.fixture
def academie(service, clock):
    """A collège (the MARTIN family) and a lycée (the same family's shape, new
    people), each family logged in; an operator and each school's head."""
    clock.move_to(datetime(2026, 11, 30, 10, tzinfo=timezone.utc))
    service.import_siecle(payload=family_payload(uai=COLLEGE))
    college = letters_by_name(service.issue_letters(uai=COLLEGE))
    lycee_payload = family_payload(uai=LYCEE, nom="LYCEE VICTOR HUGO", type_="lycee")
    for person in lycee_payload["eleves"] + lycee_payload["personnes"]:
        person["prenom"] += "-Lyc"
    service.import_siecle(payload=lycee_payload)
    lycee = letters_by_name(service.issue_letters(uai=LYCEE))
    return {
        "operator": _staff(service, role="operator"),
        "head": {COLLEGE: _staff(service, COLLEGE), LYCEE: _staff(service, LYCEE)},
        "guardian": confirmed_guardian(service, college["Philippe MARTIN"], "2012-04-04", "p.martin@example.fr"),
        "student": activate(service, college["Hugo MARTIN"], "2012-04-04"),
        "student_identifiant": college["Hugo MARTIN"]["identifiant"],
        "lycee_student": activate(service, lycee["Hugo-Lyc MARTIN"], "2012-04-04"),
        "lycee_guardian": confirmed_guardian(service, lycee["Philippe-Lyc MARTIN"], "2012-04-04",
                                             "p.martin.lycee@example.fr"),
    }


def _menu_links(service, token):
    """{prenom: [link names]} as the menu shows them for this session."""
    view = service.get_session(token=token)
    return {c["prenom"]: [lien["nom"] for lien in c["liens"]] for c in view["children"]}


def _declare_and_open(service, academie, uais=(COLLEGE, LYCEE), **lien):
    declared = service.declare_lien(payload=_lien(**lien), account_id=academie["operator"])
    for uai in uais:
        service.set_lien_opening(uai=uai, lien_id=declared["id"], is_open=True, account_id=academie["head"][uai])
    return declared


def test_a_link_is_shown_only_once_the_establishment_opened_it(service, academie):
    declared = service.declare_lien(payload=_lien(), account_id=academie["operator"])
    assert _menu_links(service, academie["student"]) == {"Hugo": []}
    service.set_lien_opening(uai=COLLEGE, lien_id=declared["id"], is_open=True, account_id=academie["head"][COLLEGE])
    assert _menu_links(service, academie["student"]) == {"Hugo": ["Pix"]}
    # The lycée did not open it: its students do not see it.
    assert _menu_links(service, academie["lycee_student"]) == {"Hugo-Lyc": []}
    service.set_lien_opening(uai=COLLEGE, lien_id=declared["id"], is_open=False, account_id=academie["head"][COLLEGE])
    assert _menu_links(service, academie["student"]) == {"Hugo": []}


def test_links_follow_the_declared_audience(service, academie):
    _declare_and_open(service, academie, nom="Pix", audience="eleves")
    _declare_and_open(service, academie, nom="LPC", audience="responsables", adresse="https://lpc.ac-lille.fr/")
    _declare_and_open(service, academie, nom="ENT", audience="tous", adresse="https://ent.ac-lille.fr/")
    assert _menu_links(service, academie["student"]) == {"Hugo": ["ENT", "Pix"]}
    assert _menu_links(service, academie["guardian"]) == {"Léa": ["ENT", "LPC"], "Hugo": ["ENT", "LPC"]}


def test_links_follow_the_declared_kinds_of_establishment(service, academie):
    declared = _declare_and_open(service, academie, uais=(COLLEGE,), nom="LPC", audience="tous",
                                 types_etablissement=["college"])
    # Not meant for a lycée: its staff cannot open it, its families never see it.
    with pytest.raises(Forbidden):
        service.set_lien_opening(uai=LYCEE, lien_id=declared["id"], is_open=True, account_id=academie["head"][LYCEE])
    assert [o["nom"] for o in service.lien_openings(uai=LYCEE)] == []
    assert _menu_links(service, academie["lycee_guardian"]) == {"Léa-Lyc": [], "Hugo-Lyc": []}
    assert _menu_links(service, academie["guardian"]) == {"Léa": ["LPC"], "Hugo": ["LPC"]}
    # Narrowed after an establishment opened it: gone from its menus at once.
    service.update_lien(lien_id=declared["id"], payload=_lien(nom="LPC", audience="tous", types_etablissement=["lycee"]),
                        account_id=academie["operator"])
    assert _menu_links(service, academie["guardian"]) == {"Léa": [], "Hugo": []}


def test_the_menu_carries_the_domain_and_the_computer_only_mention(service, academie):
    _declare_and_open(service, academie, nom="LPC", adresse="HTTPS://LPC.Ac-Lille.FR/eleve?x=1",
                      ordinateur_seulement=True, audience="tous")
    [lien] = service.get_session(token=academie["student"])["children"][0]["liens"]
    assert lien["adresse"] == "https://lpc.ac-lille.fr/eleve?x=1"
    assert lien["domaine"] == "lpc.ac-lille.fr"
    assert lien["ordinateur_seulement"] is True
    assert lien["description"] == "Certification numérique"


def test_openings_are_per_school_year(service, academie, clock):
    declared = service.declare_lien(payload=_lien(), account_id=academie["operator"])
    service.set_lien_opening(uai=COLLEGE, lien_id=declared["id"], is_open=True, account_id=academie["head"][COLLEGE],
                             annee_scolaire=2027)
    assert _menu_links(service, academie["student"]) == {"Hugo": []}
    with pytest.raises(ValidationError):
        service.set_lien_opening(uai=COLLEGE, lien_id=declared["id"], is_open=True,
                                 account_id=academie["head"][COLLEGE], annee_scolaire=2025)
    clock.move_to(datetime(2027, 9, 1, 8, tzinfo=timezone.utc))
    token = service.login(identifiant=academie["student_identifiant"], password="soleil2026")["token"]
    assert _menu_links(service, token) == {"Hugo": ["Pix"]}


@pytest.mark.parametrize("adresse, message", [
    ("http://pix.fr/", "Seules les adresses en https"),
    ("javascript:alert(1)", "https://"),
    ("ftp://pix.fr/", "https://"),
    ("https://parent@pix.fr/", "ni identifiant ni mot de passe"),
    ("https://pix.fr/ a", "ni espace"),
    ("https://localhost/", "domaine"),
    ("https:///chemin", "domaine"),
    ("https://pix.fr:99999/", "invalide"),
])
def test_an_address_that_is_not_https_to_a_real_domain_is_refused(service, academie, adresse, message):
    with pytest.raises(ValidationError) as refused:
        service.declare_lien(payload=_lien(adresse=adresse), account_id=academie["operator"])
    assert message in refused.value.errors["adresse"][0]
    assert service.list_liens() == []


def test_http_only_by_the_operators_explicit_choice_and_idn_shown_in_ascii(service, academie):
    declared = service.declare_lien(payload=_lien(adresse="http://cdt.ac-lille.fr/", http_autorise=True),
                                    account_id=academie["operator"])
    assert declared["adresse"] == "http://cdt.ac-lille.fr/"
    lookalike = service.declare_lien(payload=_lien(adresse="https://pіx.fr/"), account_id=academie["operator"])
    assert lookalike["domaine"] == "xn--px-hoc.fr"


def test_bad_fields_are_refused_in_french_and_nothing_is_declared(service, academie):
    with pytest.raises(ValidationError) as refused:
        service.declare_lien(payload=_lien(nom=" ", audience="parents", types_etablissement=[]),
                             account_id=academie["operator"])
    errors = refused.value.errors
    assert errors["audience"] == ["Choisissez : responsables, élèves, ou les deux."]
    with pytest.raises(ValidationError) as refused:
        service.declare_lien(payload=_lien(nom=" ", types_etablissement=[]), account_id=academie["operator"])
    assert refused.value.errors == {"nom": ["Ce champ est obligatoire."],
                                    "types_etablissement": ["Choisissez au moins un type d'établissement."]}
    assert service.list_liens() == []


def test_only_an_operator_declares_and_only_the_establishments_staff_open(service, academie):
    family_ids = [service.db.scalar(select(Account.id).where(Account.role == role)) for role in ("eleve",
                                                                                                  "responsable")]
    for account_id in (academie["head"][COLLEGE], *family_ids, 987654):
        with pytest.raises(Forbidden):
            service.declare_lien(payload=_lien(), account_id=account_id)
    declared = service.declare_lien(payload=_lien(), account_id=academie["operator"])
    for account_id in (academie["head"][LYCEE], *family_ids):
        with pytest.raises(Forbidden):
            service.set_lien_opening(uai=COLLEGE, lien_id=declared["id"], is_open=True, account_id=account_id)
    assert service.lien_openings(uai=COLLEGE)[0]["open"] is False
    with pytest.raises(Forbidden):
        service.remove_lien(lien_id=declared["id"], account_id=academie["head"][COLLEGE])
    # An operator opens it anywhere, and withdraws it from every menu.
    service.set_lien_opening(uai=COLLEGE, lien_id=declared["id"], is_open=True, account_id=academie["operator"])
    assert _menu_links(service, academie["student"]) == {"Hugo": ["Pix"]}
    service.remove_lien(lien_id=declared["id"], account_id=academie["operator"])
    assert _menu_links(service, academie["student"]) == {"Hugo": []}
    assert service.list_liens() == []


@pytest.mark.parametrize("call", [
    lambda s, a: s.declare_lien(payload=_lien(nom="Pix\x00"), account_id=a["operator"]),
    lambda s, a: s.declare_lien(payload=_lien(description="\ud800"), account_id=a["operator"]),
    lambda s, a: s.declare_lien(payload=_lien(types_etablissement=["college\x00"]), account_id=a["operator"]),
    lambda s, a: s.declare_lien(payload=_lien(adresse="https://pix.fr/\x00"), account_id=a["operator"]),
    lambda s, a: s.declare_lien(payload=_lien(adresse="https://" + "a" * 64 + ".fr/"), account_id=a["operator"]),
])
def test_hostile_declarations_are_refused_in_french_and_nothing_is_declared(service, academie, call):
    with pytest.raises(ValidationError):
        call(service, academie)
    assert service.list_liens() == []


def test_absurd_ids_are_just_unknown(service, academie):
    huge = 99999999999999999999
    with pytest.raises(Forbidden):
        service.declare_lien(payload=_lien(), account_id=huge)
    declared = service.declare_lien(payload=_lien(), account_id=academie["operator"])
    with pytest.raises(Forbidden):
        service.set_lien_opening(uai=COLLEGE, lien_id=declared["id"], is_open=True, account_id=huge)
    with pytest.raises(NotFound):
        service.update_lien(lien_id=huge, payload=_lien(), account_id=academie["operator"])
    with pytest.raises(NotFound):
        service.get_lien(lien_id=huge)
    assert service.administers(account_id=huge, uai=COLLEGE, domaine="vie_scolaire") is False
