"""The footer's pages: contact, mentions légales, aide, accessibility statement."""
from flask import Blueprint, render_template

bp = Blueprint("pages", __name__, template_folder="templates")


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
    return render_template("pages/accessibilite.html")
