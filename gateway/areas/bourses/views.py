"""Bourses (issue 18): a child's scholarship page. The family keeps a draft,
files the application, sees the estimate and the status, downloads the
acknowledgement and the decision letter. Every rule (who may apply, the
window, the one application, the estimate) is the bourses service's; these
views check the child (child_or_404), call it and lay out the answer."""
import base64

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from contract.errors import NotFound, NotOpen, Unavailable, ValidationError
from gateway import rpc
from gateway.areas.bourses.forms import FIELDS, DemandeForm
from gateway.composition import child_context, compose_menus
from gateway.forms import keep_input_on_outage
from gateway.session import child_or_404, login_required

bp = Blueprint("bourses", __name__, url_prefix="/eleve/<int:eleve_id>/bourses", template_folder="templates")

SERVICE = "bourses"


def _frame(eleve_id):
    # This area is registered only where bourses is deployed (gateway/areas/__init__.py).
    current = child_or_404(eleve_id)
    return current, child_context(g.viewer, current)


# What the page shows when the service did not answer a filing: the form
# only, with what was typed (gateway/errors.py adds the message).
OUTAGE = {"bourse": "", "campagne": None, "derniere_campagne": None, "prochaine_campagne": None, "refus": None,
          "peut_deposer": True, "deja_deposee": None, "brouillon": None, "demandes": []}


def _render(current, data, form, status=200):
    menu = compose_menus(g.viewer)[current["eleve_id"]]
    return render_template("bourses/page.html", child=current, menu=menu, data=data, form=form), status


def _unavailable(current, status, title, message):
    menu = compose_menus(g.viewer)[current["eleve_id"]]
    return render_template("bourses/unavailable.html", child=current, menu=menu, title=title,
                           message=message), status


@bp.get("/")
@login_required
def page(eleve_id):
    current, context = _frame(eleve_id)
    try:
        data = rpc.call(SERVICE, "page", child=context)
    except NotOpen:
        return _unavailable(current, 404, _("Bourses non proposées"),
                            _("Les bourses ne concernent que les élèves des collèges et des lycées."))
    except Unavailable:
        return _unavailable(current, 503, _("Bourses momentanément indisponibles"),
                            _("Le service des bourses est momentanément indisponible. Réessayez dans quelques "
                              "instants."))
    draft = data["brouillon"] or {}
    form = DemandeForm(data={name: "" if draft.get(name) is None else str(draft[name]) for name in FIELDS})
    if not draft.get("annee_avis") and data["campagne"]:
        form.annee_avis.data = str(data["campagne"]["annee_scolaire"])
    return _render(current, data, form)


@bp.post("/")
@login_required
def save(eleve_id):
    current, context = _frame(eleve_id)
    form = DemandeForm()
    filing = request.form.get("action") == "deposer"
    if not form.validate_on_submit():
        return _render(current, rpc.call(SERVICE, "page", child=context), form, 400)
    values = {name: getattr(form, name).data for name in FIELDS}
    demandeur = {"prenom": g.viewer["prenom"], "nom": g.viewer["nom"], "email": g.viewer.get("email")}
    eleve = {"prenom": current["prenom"], "nom": current["nom"], "classe": current.get("classe")}
    # If the service does not answer, the same form comes back with what was typed.
    keep_input_on_outage("bourses/page.html", child=current, menu=compose_menus(g.viewer)[eleve_id],
                         data=OUTAGE, form=form)
    try:
        result = rpc.call(SERVICE, "submit" if filing else "save_draft", child=context, form=values,
                          demandeur=demandeur, eleve=eleve)
    except ValidationError as exc:
        form.apply_remote_errors(exc.errors)
        return _render(current, rpc.call(SERVICE, "page", child=context), form, 400)
    except NotOpen as exc:
        # The window closed while the page was open: nothing was stored.
        flash(str(exc) or _("La campagne est close\u00a0: contactez le secrétariat de l'établissement."), "error")
        return _render(current, rpc.call(SERVICE, "page", child=context), form, 409)
    if filing:
        return redirect(url_for("bourses.demande", eleve_id=eleve_id, demande_id=result["id"]))
    flash(_("Votre brouillon est enregistré. Vous pourrez le reprendre et déposer la demande jusqu'au %(date)s.",
            date=result["campagne"]["cloture_texte"]), "success")
    return redirect(url_for("bourses.page", eleve_id=eleve_id))


@bp.get("/demande/<int:demande_id>")
@login_required
def demande(eleve_id, demande_id):
    current, context = _frame(eleve_id)
    data = rpc.call(SERVICE, "page", child=context)
    found = next((d for d in data["demandes"] if d["id"] == demande_id), None)
    if found is None:
        abort(404)
    menu = compose_menus(g.viewer)[current["eleve_id"]]
    return render_template("bourses/demande.html", child=current, menu=menu, demande=found)


@bp.get("/demande/<int:demande_id>/<any(accuse, notification):kind>.pdf")
@login_required
def document(eleve_id, demande_id, kind):
    _current, context = _frame(eleve_id)
    try:
        found = rpc.call(SERVICE, "document", child=context, demande_id=demande_id, kind=kind)
    except NotFound:
        abort(404)
    return pdf_response(found)


def pdf_response(found: dict) -> Response:
    return Response(base64.b64decode(found["pdf_base64"]), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{found["filename"]}"'})
