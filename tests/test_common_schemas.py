"""The checks every service shares at its boundary, each in one place: an
establishment's UAI (contract/etablissement.py), an RPC's optional instant and
the French dates of a form or of an imported file (common/schemas.py,
common/import_rows.py), with the messages a person reads."""
from datetime import date, datetime, timezone

import pytest

from common.errors import ValidationError
from common.import_rows import RowDate, RowDateTime
from common.schemas import FrenchDate, FrenchDateTime, Schema, optional_instant
from common.schemas import ValidationError as SchemaError
from contract.etablissement import check_uai


def test_a_uai_is_seven_digits_and_a_capital_letter():
    assert check_uai("0599001A") == "0599001A"


@pytest.mark.parametrize("uai", ["0599001a", "599001A", "0599001A\n", "", None, 599001])
def test_anything_else_is_refused_beside_the_uai_field(uai):
    with pytest.raises(ValidationError) as refused:
        check_uai(uai)
    assert refused.value.errors == {"uai": ["Code UAI invalide (7 chiffres et une lettre)."]}


def test_an_instant_without_offset_is_utc_and_none_is_none():
    assert optional_instant(None, "since") is None
    assert optional_instant("2027-09-01T08:00", "since") == datetime(2027, 9, 1, 8, 0, tzinfo=timezone.utc)
    with pytest.raises(ValidationError) as refused:
        optional_instant("hier", "since")
    assert refused.value.errors == {"since": ["Date et heure invalides."]}


class Form(Schema):
    jour = FrenchDate()
    instant = FrenchDateTime()


class Required(Schema):
    jour = FrenchDate(required=True)
    instant = FrenchDateTime(required=True)


class Row(Schema):
    jour = RowDate()
    instant = RowDateTime()


def test_a_form_and_a_file_read_the_same_dates():
    for schema in (Form(), Row()):
        assert schema.load({"jour": "01/09/2027", "instant": "01/09/2027 10:30"}) == {
            "jour": date(2027, 9, 1), "instant": datetime(2027, 9, 1, 8, 30, tzinfo=timezone.utc)}
        assert schema.load({"jour": "2027-09-01"})["jour"] == date(2027, 9, 1)


def test_a_required_date_left_empty_is_missing_not_malformed():
    for blank in ("", "   "):
        with pytest.raises(SchemaError) as form:
            Required().load({"jour": blank, "instant": blank})
        assert form.value.messages == {"jour": ["Ce champ est obligatoire."],
                                       "instant": ["Ce champ est obligatoire."]}
    # An optional one left empty is still read as a malformed date.
    with pytest.raises(SchemaError) as optional:
        Form().load({"jour": ""})
    assert optional.value.messages == {"jour": ["Date attendue au format jj/mm/aaaa."]}


def test_a_form_says_it_beside_the_field_and_a_file_after_its_line_and_column():
    with pytest.raises(SchemaError) as form:
        Form().load({"jour": "31/02/2027", "instant": "demain"})
    assert form.value.messages == {"jour": ["Date attendue au format jj/mm/aaaa."],
                                   "instant": ["Date et heure attendues au format jj/mm/aaaa hh:mm."]}
    with pytest.raises(SchemaError) as row:
        Row().load({"jour": "31/02/2027", "instant": "demain"})
    assert row.value.messages == {"jour": ["date attendue au format jj/mm/aaaa."],
                                  "instant": ["date et heure attendues au format jj/mm/aaaa hh:mm."]}


def test_refusals_leave_with_french_no_break_spaces():
    from common.errors import Forbidden, NotFound
    from common.typography import french_refusals

    with pytest.raises(ValidationError) as refused:
        with french_refusals():
            raise ValidationError({"cloture": ["Date attendue : jj/mm/aaaa."], "x": {"y": ["« ici »"]}})
    assert refused.value.errors == {"cloture": ["Date attendue\u00a0: jj/mm/aaaa."], "x": {"y": ["«\u00a0ici\u00a0»"]}}
    with pytest.raises(Forbidden) as forbidden:
        with french_refusals(str.upper, Forbidden):
            raise Forbidden("campagne close")
    assert str(forbidden.value) == "CAMPAGNE CLOSE"
    with pytest.raises(NotFound) as other:
        with french_refusals(str.upper, Forbidden):
            raise NotFound("eleve : 3")
    assert str(other.value) == "eleve : 3"
