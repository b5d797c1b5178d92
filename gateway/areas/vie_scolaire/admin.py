"""Administration of the vie scolaire service for one establishment (issue
15): the vie scolaire staff answer the families' online justifications
(accept, or refuse with a reason the family reads), open their documents, and
see the students at 4 unjustified half-days or more in a month. Opening and
closing the service is on the establishment's administration page
(gateway/areas/admin/views.py); the rules are the vie scolaire service's."""
import base64
import re

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, TextAreaField
from wtforms.validators import AnyOf, Length

from contract.errors import NotFound, ValidationError
from gateway import rpc
from gateway.forms import Form, keep_input_on_outage
from gateway.session import administered_etablissement, staff_required

bp = Blueprint("admin_vie_scolaire", __name__, url_prefix="/admin/etablissement/<uai>/vie-scolaire",
               template_folder="templates")

MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre"]


class DecisionForm(Form):
    decision = HiddenField(validators=[AnyOf(["accepter", "refuser"])])
    raison = TextAreaField(_l("Raison du refus (lue par la famille)"),
                           validators=[Length(max=500, message=_l("500 caractères au maximum."))])


def _students(uai: str) -> dict:
    return {e["eleve_id"]: e for e in rpc.call("accounts", "list_eleves", uai=uai)}


@bp.route("/justifications", methods=["GET", "POST"])
@staff_required
def justifications(uai):
    etab = administered_etablissement(uai)
    pending = rpc.call("vie_scolaire", "pending_justifications", uai=uai)
    forms = {p["id"]: DecisionForm(formdata=None, prefix=f"j{p['id']}") for p in pending}
    answered = request.form.get("justification", type=int) if request.method == "POST" else None
    if answered is not None:
        if answered not in forms:
            flash(_("Cette justification a déjà reçu une réponse."), "info")
            return redirect(url_for("admin_vie_scolaire.justifications", uai=uai))
        form = forms[answered] = DecisionForm(prefix=f"j{answered}")
        if form.validate_on_submit():
            keep_input_on_outage("vie_scolaire/admin_justifications.html", etab=etab, pending=pending, forms=forms)
            try:
                result = rpc.call("vie_scolaire", "decide_justification", uai=uai, justification_id=answered,
                                  decision={"accepter": form.decision.data == "accepter",
                                            "raison": form.raison.data or None},
                                  account_id=g.viewer["id"])
            except ValidationError as exc:
                form.apply_remote_errors(exc.errors)
            except NotFound:
                abort(404)
            else:
                flash(_("Justification acceptée\u00a0: l'absence est justifiée et la famille en est informée par "
                        "courriel.") if result["etat"] == "acceptee" else
                      _("Justification refusée\u00a0: la famille en est informée par courriel, avec la raison."), "success")
                return redirect(url_for("admin_vie_scolaire.justifications", uai=uai))
    return render_template("vie_scolaire/admin_justifications.html", etab=etab, pending=pending, forms=forms)


@bp.get("/justifications/<int:justification_id>/document")
@staff_required
def document(uai, justification_id):
    administered_etablissement(uai)
    try:
        doc = rpc.call("vie_scolaire", "justification_document", uai=uai, justification_id=justification_id)
    except NotFound:
        abort(404)
    # Only what the service recognised by content; never rendered inline as HTML.
    name = re.sub(r"[^A-Za-z0-9._-]", "_", doc["nom"]) or "justificatif"
    return Response(base64.b64decode(doc["contenu"]), mimetype=doc["type"], headers={
        "Content-Disposition": f'attachment; filename="{name}"', "X-Content-Type-Options": "nosniff"})


@bp.get("/alertes")
@staff_required
def alerts(uai):
    etab = administered_etablissement(uai)
    chosen = request.args.get("mois", "")
    match = re.fullmatch(r"(\d{4})-(\d{2})", chosen)
    error = None
    kwargs = {}
    if match and 1 <= int(match.group(2)) <= 12:
        kwargs = {"annee": int(match.group(1)), "mois": int(match.group(2))}
    elif chosen:
        error = _("Mois invalide\u00a0: choisissez un mois dans la liste.")
    result = rpc.call("vie_scolaire", "alerts", uai=uai, **kwargs)
    students = _students(uai) if result["eleves"] else {}
    rows = [{**a, "eleve": students.get(a["eleve_id"])} for a in result["eleves"]]
    month = f"{result['annee']:04d}-{result['mois']:02d}"
    return render_template("vie_scolaire/admin_alertes.html", etab=etab, rows=rows, month=month, error=error,
                           month_label=f"{MONTHS[result['mois'] - 1]} {result['annee']}")
