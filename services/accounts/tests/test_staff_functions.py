"""Staff functions and what each administers (accounts' rules.FONCTIONS): the
direction and the secretariat every setting of their establishment, the
conseiller principal d'éducation (CPE) its vie scolaire only; an operator
everything everywhere. Feature services ask `administers` with the domain."""
import pytest

from common.errors import ValidationError

UAI, OTHER = "0590001A", "0590002B"


def _staff(service, fonction, uai=UAI, role="staff"):
    return service.create_staff_account(payload={
        "role": role, "etablissement_uai": uai if role == "staff" else None, "fonction": fonction,
        "nom": "LEROY", "prenom": "Anne"})


@pytest.fixture
def school(service, family):
    return service


@pytest.mark.parametrize("fonction, etablissement, vie_scolaire", [
    ("direction", True, True), ("secretariat", True, True), ("cpe", False, True)])
def test_each_function_administers_its_domains_of_its_own_establishment(school, fonction, etablissement,
                                                                         vie_scolaire):
    account_id = _staff(school, fonction)["account_id"]
    assert school.administers(account_id=account_id, uai=UAI) is etablissement
    assert school.administers(account_id=account_id, uai=UAI, domaine="etablissement") is etablissement
    assert school.administers(account_id=account_id, uai=UAI, domaine="vie_scolaire") is vie_scolaire
    assert school.administers(account_id=account_id, uai=OTHER, domaine="vie_scolaire") is False


def test_an_operator_administers_every_domain_everywhere_and_families_none(school, family):
    operator = _staff(school, None, role="operator")["account_id"]
    for uai in (UAI, OTHER):
        for domaine in ("etablissement", "vie_scolaire"):
            assert school.administers(account_id=operator, uai=uai, domaine=domaine) is True
    for unknown in (None, 987654, "1"):
        assert school.administers(account_id=unknown, uai=UAI, domaine="vie_scolaire") is False


def test_the_session_says_which_domains_a_cpe_administers(school):
    created = _staff(school, "cpe")
    token = school.login(identifiant=created["identifiant"], password=created["password"])["token"]
    view = school.get_session(token=token)
    assert (view["role"], view["fonction"], view["domaines"]) == ("staff", "cpe", ["vie_scolaire"])
    assert school.list_staff()[0]["fonction"] == "cpe"


def test_an_unknown_function_is_refused(school):
    with pytest.raises(ValidationError) as refused:
        _staff(school, "intendance")
    assert "fonction" in refused.value.errors
