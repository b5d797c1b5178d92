"""French typography (common/typography.py), the one helper every page, mail
and PDF uses: elision before first names, "Né le" / "Née le", no-break spaces
before « : ; ? ! » and inside « », numbers and times written one way."""
import re
import unicodedata
from datetime import datetime, timezone

import pytest
from babel.numbers import format_decimal
from hypothesis import example, given
from hypothesis import strategies as st

from common.typography import (
    NBSP, born, de, elide, elides, french_datetime, french_number, french_time, spaced, spaced_html,
)
from tools.demo import BOYS, FATHERS, GIRLS, MOTHERS

DEMO_NAMES = GIRLS + BOYS + MOTHERS + FATHERS + ["Inès", "Hugo", "Léa", "Œdipe", "Yvan", "Ysaline"]
VOWELS = "AEIOUaeiouÉÈÊËÀÂÎÏÔÙÛÜéèêëàâîïôùûüŒœ"


@pytest.mark.parametrize("name, expected", [
    ("Éloïse", "d'Éloïse"), ("Inès", "d'Inès"), ("Anaïs", "d'Anaïs"), ("Océane", "d'Océane"),
    ("Hugo", "d'Hugo"), ("Héloïse", "d'Héloïse"), ("Yvan", "d'Yvan"), ("Œdipe", "d'Œdipe"),
    ("Yanis", "de Yanis"), ("Yasmine", "de Yasmine"), ("Lucas", "de Lucas"), ("Zoé", "de Zoé"),
])
def test_the_demos_names_are_elided_as_french_writes_them(name, expected):
    assert de(name) == expected
    assert elide("La scolarité de", name) == f"La scolarité de {name}"  # only the article itself elides
    assert elide("Le", name).startswith("L'") == expected.startswith("d'")


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_no_demo_name_is_ever_written_de_before_a_vowel(name):
    written = f"Menu {de(name)}"
    first = unicodedata.normalize("NFD", name)[0].lower()
    assert not re.search(rf"\bde [{VOWELS}]", written)
    assert written.endswith(name)
    assert (first in "aeiouœh" or (first == "y" and name[1] not in "aeiou")) == written.startswith("Menu d'")


@given(st.text(alphabet=VOWELS, min_size=1, max_size=1), st.text(alphabet="abcdefghijklmnopqrstuvwxyzéè", max_size=12))
def test_any_name_starting_with_a_vowel_elides(first, rest):
    assert de(first + rest) == f"d'{first}{rest}"


@given(st.text(alphabet="BCDFGJKLMNPQRSTVWXZbcdfgjklmnpqrstvwxz", min_size=1, max_size=1),
       st.text(alphabet="abcdefghijklmnopqrstuvwxyzéè", max_size=12))
def test_any_name_starting_with_a_consonant_keeps_de(first, rest):
    assert de(first + rest) == f"de {first}{rest}" and not elides(first + rest)


def test_born_follows_the_sex_siecle_gives_and_says_ne_e_only_when_unknown():
    assert (born("1"), born("2"), born(1), born(2)) == ("Né le", "Née le", "Né le", "Née le")
    assert born(None) == born("") == born("9") == "Né(e) le"


_TEXT = st.text(alphabet=st.sampled_from(list("abc déÉ:;?!«»,.-'\u00a0 ")), max_size=40)


@given(_TEXT)
@example("Identifiant : Mot de passe ? Oui ! « Notes » ; fin")
def test_spaced_leaves_no_plain_space_before_double_punctuation_nor_inside_guillemets(text):
    out = spaced(text)
    assert not re.search(r"[ \u202f][:;?!»]", out)
    assert not re.search(r"«[ \u202f]", out)
    assert spaced(out) == out  # idempotent
    # Only spaces change: the words and marks stay, in order.
    assert re.sub(r"[\s\u00a0]", "", out) == re.sub(r"[\s\u00a0]", "", text)


@given(st.text(alphabet=st.sampled_from(list("abc é.,-'/0123456789")), max_size=40))
def test_a_text_without_those_marks_is_left_alone(text):
    assert spaced(text) == text


def test_urls_and_clock_times_are_never_touched():
    assert spaced("https://scolarite.example/?a=1 14:05") == "https://scolarite.example/?a=1 14:05"


@given(_TEXT)
def test_in_a_page_only_the_text_changes_never_tags_attributes_or_form_fields(text):
    page = (f'<p title="a : b">{text}</p><input value="x : y"><textarea name="t">{text}</textarea>'
            f'<pre>{text}</pre>')
    out = spaced_html(page)
    assert '<p title="a : b">' in out and '<input value="x : y">' in out
    assert f'<textarea name="t">{text}</textarea>' in out and f"<pre>{text}</pre>" in out
    assert f">{spaced(text)}</p>" in out


# Pages as the templates write them: tags (some with marks in their
# attributes), raw elements, and texts with marks, spaces and entities.
_PAGE_TEXT = st.lists(st.sampled_from(["a", "é", " ", "\u00a0", ":", ";", "?", "!", "«", "»", ",",
                                        "&nbsp;", "&#160;", "&raquo;", "&amp;"]), max_size=12).map("".join)
_TAG = st.sampled_from(["<p>", "</p>", "<br>", '<a href="https://x.example/?a=1:2">', "</a>",
                        '<input value="x : y ?">', '<span title="« a »">', "</span>", "<!doctype html>"])
_RAW = st.builds(lambda name, text: f"<{name}>{text}</{name}>",
                 st.sampled_from(["textarea", "pre", "script", "style", "TEXTAREA"]), _PAGE_TEXT)
_PAGE = st.lists(st.one_of(_TAG, _RAW, _PAGE_TEXT), max_size=14).map("".join)


def _spaced_html_reference(html: str) -> str:
    """What spaced_html must do, written for clarity: the page cut into raw
    elements, tags and texts; a text that follows a tag or a raw element and
    is followed by one gets its no-break spaces."""
    parts = re.findall(r"<(?:textarea|pre|script|style)\b.*?</(?:textarea|pre|script|style)\s*>|<[^>]*>|[^<]+",
                       html, re.S | re.I)
    out = []
    for i, part in enumerate(parts):
        if not part.startswith("<") and 0 < i < len(parts) - 1:
            if "&nbsp;" in part or "&#160;" in part:  # a template's own no-break spaces, made one
                part = re.sub(r"(?: |&nbsp;|&#160;)+([:;?!]|&raquo;|»)", NBSP + r"\1", part)
            part = spaced(part)
        out.append(part)
    return "".join(out)


@given(_PAGE)
@example('<p>a : b<script>x : y</script>')
@example('<textarea>« a »</textarea> c ! <b>')
def test_a_page_gets_its_spaces_in_its_texts_only(page):
    assert spaced_html(page) == _spaced_html_reference(page)


@given(st.floats(min_value=-5000, max_value=5000, allow_nan=False))
@example(12.5)
@example(0.015)
@example(999.995)
def test_numbers_are_written_as_babel_writes_them_in_french(value):
    expected = format_decimal(value, "#,##0.##", locale="fr_FR")
    assert french_number(value) == ("0" if expected == "-0" else expected)


def test_times_are_written_19_h_08_in_french_time_everywhere():
    instant = datetime(2026, 11, 27, 18, 8, tzinfo=timezone.utc)
    assert french_time(instant) == f"19{NBSP}h{NBSP}08"
    assert french_datetime(instant.isoformat()) == f"27/11/2026 à 19{NBSP}h{NBSP}08"
