"""Notes (guide § 3.5): a child's subject tiles, orange when grades were
published since the viewer's previous connection, violet otherwise, and each
subject's grades. The notes service decides what is published; these views
only ask it for the child they checked (child_or_404) and lay out the answer."""
from datetime import datetime

from flask import Blueprint, abort, current_app, g, render_template
from flask_babel import gettext as _

from common.clock import PARIS
from common.errors import NotFound, NotOpen, Unavailable, ValidationError
from gateway import rpc
from gateway.composition import child_context, compose_menus
from gateway.session import child_or_404, login_required
# Imported so that the service's NotesClosed arrives as its type (a NotOpen).
from services.notes import exceptions as _notes_exceptions  # noqa: F401

bp = Blueprint("notes", __name__, url_prefix="/eleve/<int:eleve_id>/notes")


@bp.app_template_filter("frnum")
def frnum(value):
    """12.5 -> "12,5"; 14.0 -> "14" (as a French report card writes them)."""
    if value is None:
        return ""
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _previous_connection(viewer) -> str | None:
    since = viewer.get("previous_login_at")
    if not since:
        return None
    return datetime.fromisoformat(since).astimezone(PARIS).strftime(_("%d/%m/%Y à %H:%M"))


def _page(template, eleve_id, method, **kwargs):
    current = child_or_404(eleve_id)
    deployed = "notes" in current_app.config["FEATURE_SERVICES"]
    pending = None
    if deployed:
        pending = rpc.call_async("notes", method, child=child_context(g.viewer, current),
                                 since=g.viewer.get("previous_login_at"), **kwargs)
    menu = compose_menus(g.viewer)[eleve_id]
    common = {"child": current, "menu": menu, "previous_connection": _previous_connection(g.viewer)}
    if not deployed:
        return render_template("notes/unavailable.html", **common, title=_("Notes non proposées"), message=_(
            "La consultation des notes en ligne n'est pas proposée par l'académie.")), 404
    try:
        data = rpc.client().result(pending)
    except NotOpen:
        return render_template("notes/unavailable.html", **common, title=_("Notes non ouvertes"), message=_(
            "L'établissement de %(prenom)s n'a pas ouvert la consultation des notes en ligne. "
            "Pour toute question, contactez son secrétariat.", prenom=current["prenom"])), 404
    except Unavailable:
        # Deployed but not answering (stopped, or no answer in time).
        return render_template("notes/unavailable.html", **common, title=_("Notes temporairement indisponibles"),
                               message=_("La consultation des notes est temporairement indisponible. "
                                         "Réessayez dans quelques instants.")), 503
    except (NotFound, ValidationError):
        abort(404)
    return render_template(template, **common, data=data)


@bp.get("/")
@login_required
def subjects(eleve_id):
    return _page("notes/subjects.html", eleve_id, "subjects")


@bp.get("/<int:subject_id>")
@login_required
def subject(eleve_id, subject_id):
    return _page("notes/subject.html", eleve_id, "subject_detail", subject_id=subject_id)
