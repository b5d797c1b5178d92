"""Mon compte: profile and children (guide § 2.7)."""
from flask import Blueprint, g, render_template

from gateway.session import login_required

bp = Blueprint("compte", __name__, url_prefix="/compte")


@bp.get("/")
@login_required
def profile():
    return render_template("compte.html", account=g.viewer)
