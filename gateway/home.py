"""Accueil: each child's menu, the establishment's welcome message and the
tiles of what is new since the previous connection (guide § 2.6 and 3.1)."""
from flask import Blueprint, g, redirect, render_template, url_for

from common.errors import NotFound, Unavailable
from gateway import rpc
from gateway.composition import compose
from gateway.session import child_or_404, login_required

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    children = g.viewer["children"]
    if children:
        return redirect(url_for("home.child", eleve_id=children[0]["eleve_id"]))
    return render_template("no_child.html")


@bp.get("/eleve/<int:eleve_id>/")
@login_required
def child(eleve_id):
    current = child_or_404(eleve_id)
    since = g.viewer["previous_login_at"]
    pending_etab = rpc.call_async("accounts", "get_etablissement", uai=current["etablissement_uai"])
    composed = compose(g.viewer, since=since)
    try:
        etablissement = rpc.client().result(pending_etab)
    except (NotFound, Unavailable):
        etablissement = {"nom": current["etablissement_nom"], "message_accueil": ""}
    return render_template("home.html", child=current, etablissement=etablissement,
                           composed=composed, menu=composed[eleve_id]["menu"], tiles=composed[eleve_id]["tiles"])
