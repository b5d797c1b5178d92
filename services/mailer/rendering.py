"""Messages from their templates: one folder per kind under
templates/email/<kind>/ with subject.txt, body.txt and body.html (Jinja2)."""
from dataclasses import dataclass
from functools import cache
from datetime import date, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError

from common.mail import KINDS
from common.typography import de, french_date, french_datetime, spaced, spaced_html

TEMPLATES = Path(__file__).resolve().parent / "templates"
PARTS = ("subject.txt", "body.txt", "body.html")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


class RenderError(Exception):
    """A template could not be rendered from this context."""


def date_fr(value) -> str:
    """"2026-03-01" -> 01/03/2026; an instant -> 01/03/2026 à 14 h 05 (French
    time, common/typography.py: the pages write it the same way)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value or " " in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        return french_datetime(value)
    return french_date(value)


def masquer_adresse(address: str) -> str:
    """philippe.martin@example.org -> p***@example.org: the old address learns
    that a change was asked, not the whole new address."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def _environment(autoescape: bool) -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=autoescape,
                      undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True,
                      lstrip_blocks=True,
                      # The templates ship with the code: no file is checked
                      # again at each message (a stat per template, layout and include).
                      auto_reload=False)
    env.filters["date_fr"] = date_fr
    env.filters["masquer_adresse"] = masquer_adresse
    env.filters["de"] = de
    return env


_text = _environment(autoescape=False)
_html = _environment(autoescape=True)


@cache
def template_kinds() -> frozenset[str]:
    """The kinds that have a folder of templates."""
    return frozenset(p.name for p in (TEMPLATES / "email").iterdir()
                     if p.is_dir() and not p.name.startswith("_") and all((p / part).exists() for part in PARTS))


def render(kind: str, context: dict) -> Rendered:
    if kind not in template_kinds():
        raise RenderError(f"aucun modèle pour le type de message {kind!r}")
    folder = f"email/{kind}"
    # An optional field left out of a request is None for the template (the
    # templates are strict about every other name).
    kind_spec = KINDS.get(kind)
    if kind_spec is not None:
        context = {**dict.fromkeys(kind_spec.optional), **context}
    try:
        subject = _text.get_template(f"{folder}/subject.txt").render(context)
        text = _text.get_template(f"{folder}/body.txt").render(context)
        html = _html.get_template(f"{folder}/body.html").render(context)
    except (TemplateError, ValueError, TypeError) as exc:
        raise RenderError(f"modèle {kind} : {exc}") from exc
    # One line whatever the context holds: a subject can never carry a header break.
    subject = " ".join(subject.split())[:300]
    # French typography: no-break spaces before « : ; ? ! » (common/typography.py).
    return Rendered(subject=spaced(subject), text=spaced(text), html=spaced_html(html))
