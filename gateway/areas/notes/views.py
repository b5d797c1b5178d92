"""Notes (guide § 3.5): a child's subject tiles, orange when grades were
published since the viewer's previous connection, violet otherwise, and each
subject's grades. The notes service decides what is published; these views
only ask it for the child they checked (child_or_404) and lay out the answer."""
from flask import Blueprint, abort, g, render_template
from flask_babel import gettext as _
from markupsafe import Markup

from contract.errors import NotFound, NotOpen, Unavailable, ValidationError
from gateway import rpc
from gateway.composition import child_context, compose_menus
from gateway.filters import de, french_datetime
from gateway.kept_bodies import SINCE_SLOT, fill, frame, kept_bodies, viewer_key
from gateway.session import child_or_404, login_required

bp = Blueprint("notes", __name__, url_prefix="/eleve/<int:eleve_id>/notes", template_folder="templates")

# Rendered subjects page contents (about 6 KB each) kept per process with
# their version: see gateway/kept_bodies.py.
BODIES_KEPT = 200


def _bodies():
    return kept_bodies("notes", BODIES_KEPT)


def _previous_connection(viewer) -> str | None:
    since = viewer.get("previous_login_at")
    if not since:
        return None
    return french_datetime(since)


def _page(template, eleve_id, method, body=None, **kwargs):
    """`body`: (key, template) of the page's content, kept rendered per version."""
    current = child_or_404(eleve_id)
    # This area is registered only where notes is deployed (gateway/areas/__init__.py).
    known = _bodies().version(body[0]) if body is not None else None
    pending = rpc.call_async("notes", method, child=child_context(g.viewer, current),
                             since=g.viewer.get("previous_login_at"),
                             **({"known_version": known} if body is not None else {}), **kwargs)
    menu = compose_menus(g.viewer)[eleve_id]
    common = {"child": current, "menu": menu, "previous_connection": _previous_connection(g.viewer)}
    # A kept content's layout (header, menus) is rendered while the service answers.
    framed = frame(template, **common) if body is not None else None
    try:
        data = rpc.client().result(pending)
        if body is None:
            return render_template(template, **common, data=data)
        key, content = body

        def render(d):
            # Kept across the viewer's logins: the previous connection is put in by `fill`.
            slot = SINCE_SLOT if common["previous_connection"] else None
            return Markup(render_template(content, **{**common, "previous_connection": slot}, data=d))

        kept = _bodies().body(key, data, render)
        if kept is None:
            # The version answered is no longer kept here: the whole page, once more.
            kept = _bodies().body(key, rpc.call("notes", method, child=child_context(g.viewer, current),
                                              since=g.viewer.get("previous_login_at"), **kwargs), render)
        return fill(framed, kept, common["previous_connection"])
    except NotOpen:
        return render_template("notes/unavailable.html", **common, title=_("Notes non ouvertes"), message=_(
            "L'établissement %(de_prenom)s n'a pas ouvert la consultation des notes en ligne. "
            "Pour toute question, contactez son secrétariat.", de_prenom=de(current["prenom"]))), 404
    except Unavailable:
        # Deployed but not answering (stopped, or no answer in time).
        return render_template("notes/unavailable.html", **common, title=_("Notes momentanément indisponibles"),
                               message=_("La consultation des notes est momentanément indisponible. "
                                         "Réessayez dans quelques instants.")), 503
    except (NotFound, ValidationError):
        abort(404)


@bp.get("/")
@login_required
def subjects(eleve_id):
    current = child_or_404(eleve_id)
    return _page("notes/subjects.html", eleve_id, "subjects",
                 body=(viewer_key(current, since_slot=True), "notes/_subjects_body.html"))


@bp.get("/<int:subject_id>")
@login_required
def subject(eleve_id, subject_id):
    return _page("notes/subject.html", eleve_id, "subject_detail", subject_id=subject_id)
