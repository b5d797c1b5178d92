"""Hostile input at every service's boundary (issue 12, docs/security.md):
the rule lives in common/schemas.py, patched on marshmallow's own fields, so
every schema of every service refuses control characters and integers beyond
a PostgreSQL INTEGER in French; here the rule itself (property-based) and the
notes and mailer entrypoints that failed on one database or the other
(accounts' are in services/accounts/tests/test_hostile_input.py)."""
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import Schema

from common.errors import ValidationError
from common.schemas import INTEGER_MAX, INTEGER_MIN, fields, load_or_raise
from services.mailer.tests.conftest import mailer, mailer_db, pool, smtp_config, catcher  # noqa: F401
from services.notes.tests.conftest import child, notes, notes_db  # noqa: F401

HUGE = 99999999999999999999


class Probe(Schema):
    text = fields.String()
    number = fields.Integer()


@settings(max_examples=150, deadline=None, database=None)
@given(text=st.text())
def test_text_is_accepted_exactly_when_it_holds_no_control_character(text):
    # Unicode's own classes: controls (Cc) but tab and line breaks, and surrogates (Cs).
    hostile = any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\t\n\r" for ch in text)
    try:
        assert load_or_raise(Probe(), {"text": text}) == {"text": text}
        assert not hostile
    except ValidationError as exc:
        assert hostile
        assert exc.errors == {"text": ["Caractères non autorisés (caractères de contrôle)."]}


@settings(max_examples=150, deadline=None, database=None)
@given(number=st.one_of(st.integers(), st.integers(min_value=INTEGER_MIN - 2, max_value=INTEGER_MIN + 2),
                        st.integers(min_value=INTEGER_MAX - 2, max_value=INTEGER_MAX + 2)))
def test_integers_are_accepted_exactly_within_a_postgresql_integer(number):
    for sent in (number, str(number)):
        try:
            assert load_or_raise(Probe(), {"number": sent}) == {"number": number}
            assert INTEGER_MIN <= number <= INTEGER_MAX
        except ValidationError as exc:
            assert not INTEGER_MIN <= number <= INTEGER_MAX
            assert exc.errors == {"number": ["Nombre hors des limites autorisées."]}


def test_notes_refuses_an_absurd_subject_or_child_id_in_french(notes):
    notes.set_opening(child()["etablissement_uai"], True, account_id=1)
    with pytest.raises(ValidationError) as exc:
        notes.subject_detail(child(), HUGE)
    assert exc.value.errors == {"subject_id": ["Nombre hors des limites autorisées."]}
    with pytest.raises(ValidationError) as exc:
        notes.subjects(child(eleve_id=HUGE))
    assert exc.value.errors["eleve_id"] == ["Nombre hors des limites autorisées."]


@pytest.mark.parametrize("query", [{"recipient": "p.martin1\x00"}, {"page": HUGE}])
def test_mailer_staff_view_refuses_hostile_filters_in_french(mailer, query):
    with pytest.raises(ValidationError) as exc:
        mailer.outbox_page({"all_etablissements": True, **query})
    assert list(exc.value.errors) == list(query)


def test_mailer_status_refuses_a_nul_in_a_request_id(mailer):
    with pytest.raises(ValidationError):
        mailer.status(["abc\x00"])
