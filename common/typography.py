"""French typography, in one place, for every page, mail and PDF:

- dates "27/11/2026", times "19 h 08", instants "27/11/2026 à 19 h 08",
  numbers "12,5" (Babel, fr_FR);
- a no-break space (U+00A0) before « : ; ? ! » and inside « » (`spaced`), so
  that a colon never starts a line; the regular spaces the source texts have
  there are replaced, nothing is added where a text has none ("http://",
  "14:05" stay as they are);
- elision before a first name (`de`, `elide`): "La scolarité d'Éloïse",
  "Menu d'Inès", "Notes de Yanis". The rule, documented in docs/ui.md:
  "de", "le", "la", "que" drop their vowel before a name starting with a vowel
  (accents ignored: É, Î, Œ...), before "y" followed by a consonant ("d'Yvan",
  but "de Yanis", "de Yasmine") and before "h" (the h of French first names is
  mute: "d'Hugo", "d'Hélène"; h aspiré first names are rare enough that
  none is listed);
- "Né le" / "Née le" from the sex SIECLE gives (CODE_SEXE 1 / 2), "Né(e) le"
  only when it is unknown (`born`).
"""
import re
import unicodedata
from contextlib import contextmanager
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from babel.dates import format_datetime
from babel.numbers import format_decimal

from common.clock import PARIS
from contract.errors import ValidationError

LOCALE = "fr_FR"
NBSP = "\u00a0"

_VOWELS = set("aeiouœæ")
_CONSONANTS = set("bcdfghjklmnpqrstvwxz")
_ELIDED = {"de": "d'", "le": "l'", "la": "l'", "que": "qu'", "De": "D'", "Le": "L'", "La": "L'", "Que": "Qu'"}


def _base(letter: str) -> str:
    """"É" -> "e": the letter without its accent, lower case."""
    return unicodedata.normalize("NFD", letter)[0].lower()


def elides(word: str) -> bool:
    """Whether "de", "le", "la", "que" lose their vowel before `word`."""
    word = word.strip()
    if not word:
        return False
    first = _base(word[0])
    if first in _VOWELS or first == "h":
        return True
    if first == "y":
        return len(word) > 1 and _base(word[1]) in _CONSONANTS
    return False


def elide(article: str, word: str) -> str:
    """elide("de", "Éloïse") -> "d'Éloïse"; elide("de", "Hugo") -> "d'Hugo";
    elide("de", "Yanis") -> "de Yanis"."""
    if article in _ELIDED and elides(word):
        return f"{_ELIDED[article]}{word.strip()}"
    return f"{article} {word.strip()}"


def de(word: str) -> str:
    """"d'Éloïse", "de Lucas": the most common case, a template filter."""
    return elide("de", word)


def born(sexe) -> str:
    """"Né le", "Née le" (CODE_SEXE 1 / 2 of SIECLE), "Né(e) le" when unknown."""
    return {"1": "Né le", "2": "Née le"}.get(str(sexe) if sexe is not None else "", "Né(e) le")


_BEFORE_MARK = re.compile(r"[ \u00a0\u202f]+([:;?!»])")
_AFTER_OPENING = re.compile(r"«[ \u00a0\u202f]*")
_BEFORE_CLOSING = re.compile(r"(?<=[^\s\u00a0])»")
_ENTITY_BEFORE_MARK = re.compile(r"(?: |&nbsp;|&#160;)+([:;?!]|&raquo;|»)")


def spaced(text: str) -> str:
    """No-break spaces before « : ; ? ! » and inside « » where the text has a
    space (or none, inside guillemets)."""
    if not text:
        return text
    text = _BEFORE_MARK.sub(NBSP + r"\1", text)
    text = _AFTER_OPENING.sub("«" + NBSP, text)
    return _BEFORE_CLOSING.sub(NBSP + "»", text)


def spaced_errors(errors, typo=spaced):
    """`typo` applied to every message of a ValidationError's mapping."""
    if isinstance(errors, dict):
        return {k: spaced_errors(v, typo) for k, v in errors.items()}
    if isinstance(errors, list):
        return [spaced_errors(v, typo) for v in errors]
    return typo(errors) if isinstance(errors, str) else errors


@contextmanager
def french_refusals(typo=spaced, *kinds):
    """Every refusal raised inside leaves with French typography: a
    ValidationError's messages, and the message of the errors of `kinds`."""
    try:
        yield
    except ValidationError as exc:
        raise ValidationError(spaced_errors(exc.errors, typo)) from None
    except kinds as exc:
        raise type(exc)(typo(str(exc))) from None


# A whole <textarea>/<pre>/<script>/<style> is left as it is (a person's own
# input is never changed under their eyes), and so is every tag; the text
# between two tags gets `spaced` when it holds one of the marks. The marks are
# looked for first (a page has a handful in its text): scanning the page once
# for them, then looking around each, costs a third of matching every tag and
# text node of the page (docs/performance.md, 2026-12-02 afternoon).
_RAW_ELEMENT = re.compile(r"<(textarea|pre|script|style)\b.*?</\1\s*>", re.S | re.I)
_MARK = re.compile(r"[:;?!«»]")


def _spaced_node(text: str) -> str:
    if "&nbsp;" in text or "&#160;" in text:
        text = _ENTITY_BEFORE_MARK.sub(NBSP + r"\1", text)
    return spaced(text)


def _spaced_nodes(html: str, start: int, end: int, after_tag: bool, out: list) -> None:
    """The text nodes of html[start:end] (no raw element in it; a raw element
    or the page's end at `end`) spaced, the rest copied, into `out`.
    `after_tag`: html[start] follows a raw element."""
    search, copied = _MARK.search, start
    mark = search(html, start, end)
    while mark:
        at = mark.start()
        opening = html.rfind("<", start, at)
        # The text node holding the mark begins after the first ">" that
        # follows the last "<" before it; without such a ">", the mark is
        # inside a tag (or before the first one).
        node = html.find(">", opening if opening >= 0 else start, at) + 1
        if node == 0 and opening < 0 and after_tag:
            node = start
        if node == 0:
            closing = html.find(">", at, end)
            if closing < 0:
                break
            mark = search(html, closing, end)
            continue
        node_end = html.find("<", at, end)
        if node_end < 0:
            if end == len(html):  # the text after the last tag: not between two tags
                break
            node_end = end  # a raw element follows
        out.append(html[copied:node])
        out.append(_spaced_node(html[node:node_end]))
        copied = node_end
        mark = search(html, node_end, end)
    out.append(html[copied:end])


def spaced_html(html: str) -> str:
    """`spaced` applied to the text of an HTML page, never to its tags, attributes
    or form fields."""
    if not _MARK.search(html):
        return html
    out, position, after_tag = [], 0, False
    for raw in _RAW_ELEMENT.finditer(html):
        _spaced_nodes(html, position, raw.start(), after_tag, out)
        out.append(raw.group(0))
        position, after_tag = raw.end(), True
    _spaced_nodes(html, position, len(html), after_tag, out)
    return "".join(out)


# -- dates, times, numbers -----------------------------------------------------
def french_date(value) -> str:
    """A date, or an ISO date or instant as it crosses the wire -> jj/mm/aaaa."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(PARIS).date() if value.tzinfo else value.date()
    elif not isinstance(value, date):
        value = date.fromisoformat(str(value)[:10])
    # Digits only: the same as babel's "dd/MM/yyyy", without its pattern
    # machinery (a mail renders two or three dates).
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def _instant(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def french_time(value) -> str:
    """An instant -> "19 h 08", French time."""
    if not value:
        return ""
    return format_datetime(_instant(value), "H'\u00a0h\u00a0'mm", tzinfo=PARIS, locale=LOCALE)


def french_datetime(value) -> str:
    """An instant -> "27/11/2026 à 19 h 08", French time."""
    if not value:
        return ""
    return format_datetime(_instant(value), "dd/MM/yyyy 'à' H'\u00a0h\u00a0'mm", tzinfo=PARIS, locale=LOCALE)


_CENT = Decimal("0.01")


def french_number(value) -> str:
    """12.5 -> "12,5"; 14.0 -> "14" (as a French report card writes them).
    Below 1 000 (every grade, coefficient and average) written directly, as Babel
    would (tests/test_typography.py checks they agree): a page of grades writes
    hundreds of numbers."""
    if value is None:
        return ""
    number = Decimal(repr(float(value))).quantize(_CENT, ROUND_HALF_EVEN)
    if -1000 < number < 1000:
        text = f"{number:f}".rstrip("0").rstrip(".").replace(".", ",")
        return "0" if text == "-0" else text
    return format_decimal(float(value), "#,##0.##", locale=LOCALE)
