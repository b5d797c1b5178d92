"""Vie scolaire (guide § 3.4, issue 15): a child's absences, retards,
punitions, sanctions and mesures for the school year, by period, with the
period's totals, and the online justification of an absence. The vie
scolaire service decides what is shown and who may justify; these views only
ask it for the child they checked (child_or_404) and lay out the answer."""
import base64

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import SelectField, TextAreaField
from markupsafe import Markup
from wtforms.validators import InputRequired, Length

from contract.errors import Forbidden, NotFound, NotOpen, Unavailable, ValidationError
from gateway import rpc
from gateway.filters import de
from gateway.composition import child_context, compose_menus
from gateway.forms import Form, keep_input_on_outage
from gateway.kept_bodies import fill, frame, kept_bodies, viewer_key
from gateway.session import child_or_404, login_required

bp = Blueprint("vie_scolaire", __name__, url_prefix="/eleve/<int:eleve_id>/vie-scolaire",
               template_folder="templates")


class JustificationForm(Form):
    motif = SelectField(_l("Motif"), validators=[InputRequired(_l("Choisissez un motif de la liste."))])
    commentaire = TextAreaField(_l("Commentaire"), validators=[Length(max=1000, message=_l("1000 caractères au maximum."))])
    document = FileField(_l("Justificatif (facultatif)"))


def _ask(current, known_version=None):
    """Sends the request for the service's page of this child, listing the
    period asked for in the address (the current one by default): (the
    pending call, what every page of the area shows around it). With
    `known_version`, the answer is {"version"} alone while the page is that one."""
    pending = rpc.call_async("vie_scolaire", "page", child=child_context(g.viewer, current),
                             since=g.viewer.get("previous_login_at"),
                             periode=request.args.get("periode", type=int) or "courante", known_version=known_version)
    return pending, {"child": current, "menu": compose_menus(g.viewer)[current["eleve_id"]]}


def _answer(pending, common):
    """(the service's answer, None), or (None, a French page saying why not)."""
    current = common["child"]
    try:
        return rpc.client().result(pending), None
    except NotOpen:
        return None, (render_template(
            "vie_scolaire/unavailable.html", **common, title=_("Vie scolaire non ouverte"), message=_(
                "L'établissement %(de_prenom)s n'a pas ouvert la vie scolaire en ligne. "
                "Pour toute question, contactez son secrétariat.", de_prenom=de(current["prenom"]))), 404)
    except Unavailable:
        return None, (render_template(
            "vie_scolaire/unavailable.html", **common, title=_("Vie scolaire momentanément indisponible"),
            message=_("La vie scolaire est momentanément indisponible. Réessayez dans quelques instants.")), 503)
    except (NotFound, ValidationError):
        abort(404)


def _page_data(current):
    """The service's whole page for this child: (common, data, refusal)."""
    pending, common = _ask(current)
    data, refusal = _answer(pending, common)
    return common, data, refusal


# Rendered page contents (about 20 KB each for a full year) kept per process
# with their version: see gateway/kept_bodies.py.
BODIES_KEPT = 200


def _bodies():
    return kept_bodies("vie_scolaire", BODIES_KEPT)


def _render_body(current, data):
    shown = next(p for p in data["periodes"] if p["numero"] == data["periode_affichee"])
    return Markup(render_template("vie_scolaire/_page_body.html", child=current, data=data, period=shown))


@bp.get("/")
@login_required
def page(eleve_id):
    current = child_or_404(eleve_id)
    key = viewer_key(current, request.args.get("periode", type=int) or "courante")
    pending, common = _ask(current, _bodies().version(key))
    # The layout (header, menu) is rendered while the service answers.
    framed = frame("vie_scolaire/page.html", **common)
    data, refusal = _answer(pending, common)
    if refusal is not None:
        return refusal
    body = _bodies().body(key, data, lambda d: _render_body(current, d))
    if body is None:
        # The version answered is no longer kept here: the whole page, once more.
        common, data, refusal = _page_data(current)
        if refusal is not None:
            return refusal
        body = _bodies().body(key, data, lambda d: _render_body(current, d))
    return fill(framed, body)


def _absence(data: dict, evenement_id: int) -> dict | None:
    for period in data["periodes"]:
        for line in period["evenements"]["absence"]:
            if line["id"] == evenement_id:
                return line
    return None


def _read_document(form: JustificationForm, limit: int):
    """{"nom", "contenu"} for the service, or None; at most `limit` + 1 bytes
    read (the service refuses anything larger, with its message; the size of
    a whole request is bounded by the gateway's own settings)."""
    upload = form.document.data
    if upload is None or not getattr(upload, "filename", ""):
        return None
    content = upload.stream.read(limit + 1)
    return {"nom": upload.filename[-120:], "contenu": base64.b64encode(content).decode()}


@bp.route("/absence/<int:evenement_id>/justifier", methods=["GET", "POST"])
@login_required
def justify(eleve_id, evenement_id):
    current = child_or_404(eleve_id)
    common, data, refusal = _page_data(current)
    if refusal is not None:
        return refusal
    line = _absence(data, evenement_id)
    if line is None:
        abort(404)
    form = JustificationForm()
    form.motif.choices = [("", _("Choisissez un motif"))] + [(m["code"], m["libelle"]) for m in data["motifs_parents"]]
    context = {**common, "data": data, "line": line, "form": form}
    if not (data["peut_justifier"] and line["peut_justifier"]):
        return render_template("vie_scolaire/justifier.html", **context), 403 if not data["peut_justifier"] else 200
    if form.validate_on_submit():
        keep_input_on_outage("vie_scolaire/justifier.html", **context)
        viewer = g.viewer
        auteur = {"email": viewer.get("email"), "prenom": viewer["prenom"], "nom": viewer["nom"],
                  "eleve_prenom": current["prenom"], "eleve_nom": current["nom"],
                  "etablissement_nom": current["etablissement_nom"]}
        try:
            rpc.call("vie_scolaire", "justify", child=child_context(viewer, current), evenement_id=evenement_id,
                     form={"motif": form.motif.data, "commentaire": form.commentaire.data or "",
                           "document": _read_document(form, data["document_max_octets"])}, auteur=auteur)
        except ValidationError as exc:
            form.apply_remote_errors(exc.errors)
        except (NotFound, Forbidden):
            abort(404)
        else:
            flash(_("Votre justification est transmise à l'établissement. Vous recevrez sa réponse par courriel."),
                  "success")
            return redirect(url_for("vie_scolaire.page", eleve_id=eleve_id, periode=data["periode_affichee"]))
    return render_template("vie_scolaire/justifier.html", **context)
