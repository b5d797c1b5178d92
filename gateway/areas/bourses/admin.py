"""Administration of the bourses (issue 18).

- The school's staff review their establishment's applications: file
  complete, a missing piece, a decision (échelon; the amount is the
  barème's) or a refusal with its reason. Each change mails the family.
- The académie's operators set the campaign windows, the same for every
  collège (or lycée), and see the barème loaded for each year (it is loaded
  with `python -m tools.import_bourses bareme FILE`, docs/bourses.md).

The rules are the bourses service's; these views check who administers what
and lay out its answers."""
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from common.clock import school_year
from contract.errors import NotFound, ValidationError
from gateway import rpc
from gateway.areas.bourses.forms import CampagneForm, ReviewForm
from gateway.areas.bourses.views import pdf_response
from gateway.forms import keep_input_on_outage
from gateway.session import administered_etablissement, operator_required, staff_required

bp = Blueprint("admin_bourses", __name__, template_folder="templates")

SERVICE = "bourses"
STATUTS = [("", _l("Toutes")), ("deposee", _l("Déposées, à examiner")), ("piece_manquante", _l("Pièce manquante")),
           ("complete", _l("Dossier complet")), ("accordee", _l("Accordées")), ("refusee", _l("Refusées"))]


# -- the school ------------------------------------------------------------------
@bp.get("/admin/etablissement/<uai>/bourses/")
@staff_required
def demandes(uai):
    etab = administered_etablissement(uai)
    statut = request.args.get("statut") or None
    page = request.args.get("page", "1")
    if statut not in {value for value, _label in STATUTS if value} | {None} or not page.isdigit() or page == "0":
        abort(404)
    found = rpc.call(SERVICE, "list_demandes", uai=uai, statut=statut, page=int(page))
    return render_template("bourses/admin_demandes.html", etab=etab, listing=found, statut=statut or "",
                           statuts=STATUTS)


def _detail(etab, demande_id, form, status=200):
    try:
        demande = rpc.call(SERVICE, "get_demande", uai=etab["uai"], demande_id=demande_id)
    except NotFound:
        abort(404)
    return render_template("bourses/admin_demande.html", etab=etab, demande=demande, form=form), status


@bp.get("/admin/etablissement/<uai>/bourses/<int:demande_id>")
@staff_required
def demande(uai, demande_id):
    return _detail(administered_etablissement(uai), demande_id, ReviewForm())


@bp.post("/admin/etablissement/<uai>/bourses/<int:demande_id>")
@staff_required
def review(uai, demande_id):
    etab = administered_etablissement(uai)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _detail(etab, demande_id, form, 400)
    keep_input_on_outage("bourses/admin_demande.html", etab=etab, form=form,
                         demande=rpc.call(SERVICE, "get_demande", uai=uai, demande_id=demande_id))
    try:
        done = rpc.call(SERVICE, "review", uai=uai, demande_id=demande_id, account_id=g.viewer["id"], form={
            "action": form.action.data, "echelon": form.echelon.data or None, "piece": form.piece.data or None,
            "motif": form.motif.data or None})
    except NotFound:
        abort(404)
    except ValidationError as exc:
        form.apply_remote_errors(exc.errors)
        return _detail(etab, demande_id, form, 400)
    flash(_("Demande n°\u00a0%(numero)s\u00a0: %(statut)s. La famille en est informée par courriel.",
            numero=done["numero"], statut=done["statut_texte"].lower()), "success")
    return redirect(url_for("admin_bourses.demande", uai=uai, demande_id=demande_id))


@bp.get("/admin/etablissement/<uai>/bourses/<int:demande_id>/<any(accuse, notification):kind>.pdf")
@staff_required
def document(uai, demande_id, kind):
    administered_etablissement(uai)
    try:
        return pdf_response(rpc.call(SERVICE, "staff_document", uai=uai, demande_id=demande_id, kind=kind))
    except NotFound:
        abort(404)


# -- the académie's operator ------------------------------------------------------------
def _campagnes_page(form, status=200):
    listing = rpc.call(SERVICE, "list_campagnes")
    year = school_year(_today())
    baremes = [rpc.call(SERVICE, "get_bareme", annee_scolaire=annee, niveau=niveau)
               for annee in (year, year + 1) for niveau in ("college", "lycee")]
    return render_template("bourses/admin_campagnes.html", form=form, listing=listing, baremes=baremes), status


def _today():
    return current_app.config["CLOCK"].today()


@bp.get("/admin/bourses/")
@operator_required
def campagnes():
    form = CampagneForm(annee_scolaire=str(school_year(_today())))
    return _campagnes_page(form)


@bp.post("/admin/bourses/")
@operator_required
def save_campagne():
    form = CampagneForm()
    if not form.validate_on_submit():
        return _campagnes_page(form, 400)
    keep_input_on_outage("bourses/admin_campagnes.html", form=form, listing={"campagnes": []},
                         baremes=[])
    try:
        saved = rpc.call(SERVICE, "save_campagne", account_id=g.viewer["id"], form={
            "campagne_id": int(form.campagne_id.data) if (form.campagne_id.data or "").isdigit() else None,
            "niveau": form.niveau.data, "annee_scolaire": form.annee_scolaire.data,
            "ouverture": form.ouverture.data, "cloture": form.cloture.data})
    except NotFound:
        abort(404)
    except ValidationError as exc:
        form.apply_remote_errors(exc.errors)
        return _campagnes_page(form, 400)
    flash(_("Campagne enregistrée\u00a0: du %(debut)s au %(fin)s.", debut=saved["ouverture_texte"],
            fin=saved["cloture_texte"]), "success")
    return redirect(url_for("admin_bourses.campagnes"))
