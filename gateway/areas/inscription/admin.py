"""Administration of the lycée enrollment (issue 17).

- A lycée's staff see every assigned student with their state (no answer,
  enrolled, declined, finished), their wishes and changed data, export them
  (CSV) and write the "message du lycée d'affectation".
- A collège's staff see their students' states.
- The académie's operators set the campaign window (opening and closing
  instants); heads cannot close the service.

The rules are the inscription service's; these views check who administers
what and lay out its answers."""
from flask import Blueprint, Response, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from contract.errors import NotFound, ValidationError
from gateway import rpc
from gateway.areas.inscription.forms import CampagneForm, MessageForm
from gateway.forms import keep_input_on_outage
from gateway.session import administered_etablissement, operator_required, staff_required

bp = Blueprint("admin_inscription", __name__, template_folder="templates")

SERVICE = "inscription"


def _eleves_page(etab, form, status=200):
    listing = rpc.call(SERVICE, "list_etablissement", uai=etab["uai"])
    if form.message.data is None:
        form.message.data = listing["message"] or ""
    return render_template("inscription/admin_eleves.html", etab=etab, listing=listing, form=form), status


@bp.get("/admin/etablissement/<uai>/inscription/")
@staff_required
def eleves(uai):
    return _eleves_page(administered_etablissement(uai), MessageForm(formdata=None))


@bp.post("/admin/etablissement/<uai>/inscription/message")
@staff_required
def message(uai):
    etab = administered_etablissement(uai)
    form = MessageForm()
    if not form.validate_on_submit():
        return _eleves_page(etab, form, 400)
    keep_input_on_outage("inscription/admin_eleves.html", etab=etab, form=form,
                         listing={"role": "lycee", "eleves": [], "total": 0, "compteurs": [], "message": None,
                                  "campagne": None})
    try:
        rpc.call(SERVICE, "set_message_lycee", uai=uai, message=form.message.data, account_id=g.viewer["id"])
    except NotFound:
        abort(404)
    except ValidationError as exc:
        form.apply_remote_errors(exc.errors)
        return _eleves_page(etab, form, 400)
    flash(_("Le message du lycée est enregistré\u00a0: les familles le lisent à l'étape 1 de l'inscription."),
          "success")
    return redirect(url_for("admin_inscription.eleves", uai=uai))


@bp.get("/admin/etablissement/<uai>/inscription/export.csv")
@staff_required
def export(uai):
    administered_etablissement(uai)
    found = rpc.call(SERVICE, "export_csv", uai=uai)
    return Response(found["csv"], mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="inscriptions-{uai}.csv"'})


# -- the académie's operator ---------------------------------------------------------
def _campagnes_page(form, status=200):
    return render_template("inscription/admin_campagnes.html", form=form,
                           listing=rpc.call(SERVICE, "list_campagnes")), status


@bp.get("/admin/inscription/")
@operator_required
def campagnes():
    return _campagnes_page(CampagneForm(formdata=None))


@bp.post("/admin/inscription/")
@operator_required
def save_campagne():
    form = CampagneForm()
    if not form.validate_on_submit():
        return _campagnes_page(form, 400)
    keep_input_on_outage("inscription/admin_campagnes.html", form=form, listing={"campagnes": [], "academie": ""})
    try:
        saved = rpc.call(SERVICE, "save_campagne", account_id=g.viewer["id"], form={
            "annee_scolaire": form.annee_scolaire.data, "ouverture": form.ouverture.data,
            "cloture": form.cloture.data})
    except ValidationError as exc:
        form.apply_remote_errors(exc.errors)
        return _campagnes_page(form, 400)
    flash(_("Campagne enregistrée\u00a0: du %(debut)s au %(fin)s.", debut=saved["ouverture_texte"],
            fin=saved["cloture_texte"]), "success")
    return redirect(url_for("admin_inscription.campagnes"))
