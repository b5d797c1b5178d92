"""Accueil: each child's menu, the establishment's welcome message and the
tiles of what is new since the previous connection (guide § 2.6 and 3.1)."""
from flask import Blueprint, current_app, g, redirect, render_template, url_for

from common.clock import school_year

from gateway.composition import compose_menus, home_tiles
from gateway.kept_bodies import kept_page
from gateway.session import child_or_404, home_address, login_required, with_tiles

bp = Blueprint("home", __name__, template_folder="templates")


@bp.get("/")
@login_required
def index():
    address = home_address(g.viewer)
    if address != url_for("home.index"):
        return redirect(address)
    return render_template("accueil/no_child.html")


@bp.get("/eleve/<int:eleve_id>/")
@login_required
@with_tiles
def child(eleve_id):
    current = child_or_404(eleve_id)
    menu = compose_menus(g.viewer)[eleve_id]
    # At the rentrée no service is open until the establishment opens it
    # again: the page says so rather than showing an empty menu unexplained.
    no_service = not any(e["service"] != "accounts" for e in menu)
    year = school_year(current_app.config["CLOCK"].today())
    return kept_page("accueil/home.html", child=current, menu=menu, tiles=home_tiles(current, menu),
                     no_service=no_service, annee=f"{year}-{year + 1}")
