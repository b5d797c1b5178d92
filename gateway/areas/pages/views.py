"""The footer's pages: contact, mentions légales, aide, accessibility statement.

The statement (gateway/areas/pages/accessibilite.json) is generated from the
browser tests' results by `python -m tools.accessibility_statement` (`make
accessibilite`, docs/accessibilite.md); its page and the footer's
"Accessibilité : …" mention both read it, so they always say the same."""
import json
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, render_template

bp = Blueprint("pages", __name__, template_folder="templates")
STATEMENT = Path(__file__).resolve().parent / "accessibilite.json"


@lru_cache(maxsize=1)
def accessibility_statement() -> dict:
    """The generated statement; without one, the site is declared non conform."""
    try:
        return json.loads(STATEMENT.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"status": "non conforme", "criteria": {}, "pages": [], "counts": {}}


@bp.app_context_processor
def _footer_accessibility():
    return {"accessibility_status": accessibility_statement()["status"]}


@bp.get("/contact")
def contact():
    return render_template("pages/contact.html")


@bp.get("/mentions-legales")
def mentions_legales():
    return render_template("pages/mentions_legales.html")


@bp.get("/aide")
def aide():
    return render_template("pages/aide.html")


@bp.get("/accessibilite")
def accessibilite():
    return render_template("pages/accessibilite.html", declaration=accessibility_statement())
