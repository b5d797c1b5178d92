"""Administration for establishments ("AdminTS", guide § 3): staff open or
close each deployed service for their establishment and school year, edit
the welcome message, and see which services the académie deployed. Operators
see every establishment. Openings belong to the services (ARCHITECTURE rule 4):
these pages only call them."""
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, TextAreaField
from wtforms.validators import AnyOf, Length

from common.clock import staff_school_years
from contract.errors import Forbidden, NotFound, OutcomeUnknown, Unavailable, ValidationError
from gateway import rpc
from gateway.forms import Form
from gateway.session import administered_etablissement, operator_required, staff_required

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")

class OpeningForm(Form):
    ouvert = HiddenField(validators=[AnyOf(["0", "1"])])
    annee = HiddenField()


def _school_years() -> list[int]:
    # The window is the services' rule (they refuse another year); shown here.
    return staff_school_years(current_app.config["CLOCK"].today())


def _chosen_year(value) -> int:
    years = _school_years()
    try:
        year = int(value)
    except (TypeError, ValueError):
        return years[0]
    if year not in years:
        abort(404)
    return year


class MessageForm(Form):
    message = TextAreaField(_l("Message d'accueil"), validators=[
        Length(max=2000, message=_l("2000 caractères au maximum."))])


def _openable_services() -> dict:
    return {name: s for name, s in current_app.config["FEATURE_SERVICES"].items() if name != "accounts"}


class LoginMessageForm(Form):
    message = TextAreaField(_l("Message d'accueil de la page de connexion"), validators=[
        Length(max=2000, message=_l("2000 caractères au maximum."))])


def _index_page(login_form=None, status=200):
    if login_form is None:
        login_form = LoginMessageForm(message=rpc.call("accounts", "login_message")["message"])
    return render_template("admin/index.html", etablissements=rpc.call("accounts", "list_etablissements"),
                           staff_page="admin_staff.staff" in current_app.view_functions,
                           liens_page="admin_liens.liens" in current_app.view_functions,
                           login_form=login_form), status


@bp.get("/")
@staff_required
def index():
    if g.viewer["role"] == "staff":
        if "etablissement" in g.viewer.get("domaines", ()):
            return redirect(url_for("admin.etablissement", uai=g.viewer["etablissement_uai"]))
        # A function that reaches some services only (a CPE: vie scolaire,
        # accounts' rules.FONCTIONS) lands on the first of their deployed pages.
        landings = current_app.extensions["admin_landings"]
        for domaine in g.viewer.get("domaines", ()):
            if domaine in landings:
                return redirect(url_for(landings[domaine], uai=g.viewer["etablissement_uai"]))
        abort(404)
    return _index_page()


@bp.post("/message-connexion")
@operator_required
def set_login_message():
    """The login page's "Message d'accueil" (guide § 2.3): the académie's,
    set by its operators (accounts refuses anybody else)."""
    form = LoginMessageForm()
    if form.validate_on_submit():
        try:
            rpc.call("accounts", "set_login_message", message=form.message.data or "", account_id=g.viewer["id"])
        except ValidationError as exc:
            form.message.errors = list(exc.errors.get("message", [_("Message invalide.")]))
        else:
            flash(_("Le message d'accueil de la page de connexion est enregistré."), "success")
            return redirect(url_for("admin.index"))
    return _index_page(form, 400)


@bp.get("/etablissement/<uai>/")
@staff_required
def etablissement(uai):
    etab = administered_etablissement(uai)
    year = _chosen_year(request.args.get("annee"))
    return _etablissement_page(etab, year, MessageForm(message=etab["message_accueil"]))


def _opening_rows(uai, year) -> list[dict]:
    services = _openable_services()
    pendings = [rpc.call_async(name, "get_openings", timeout=current_app.config["MENU_TIMEOUT"], uais=[uai],
                               annee_scolaire=year)
                for name in services]
    rows = []
    for (name, settings), result in zip(services.items(), rpc.gather(pendings)):
        row = {"service": name, "label": settings.get("label", name)}
        if isinstance(result, Exception):
            row["unavailable"] = True
        elif result[uai].get("applicable") is False:
            # Not a service for this kind of establishment (the LSL in a collège).
            continue
        else:
            row.update(result[uai], unavailable=False)
        rows.append(row)
    return rows


def _etablissement_page(etab, year, message_form, status=200):
    """The whole page, also when the welcome message was refused (the rest of
    the page stays, issue 13 § 10)."""
    deployed = current_app.config["DEPLOYED_SERVICES"]
    # The pages the registered areas add (their `admin_pages`, gateway/areas/__init__.py).
    extra = current_app.extensions["admin_pages"]
    # The académie's services shown as links, opened here like a service (accounts' liens.py).
    liens_pending = rpc.call_async("accounts", "lien_openings", timeout=current_app.config["MENU_TIMEOUT"],
                                   uai=etab["uai"], annee_scolaire=year)
    rows = _opening_rows(etab["uai"], year)
    [liens] = rpc.gather([liens_pending])
    return render_template("admin/etablissement.html", etab=etab, rows=rows, extra=extra,
                           liens=None if isinstance(liens, Exception) else liens,
                           liens_unavailable=isinstance(liens, Exception), opening_form=OpeningForm(),
                           message_form=message_form, any_openable=bool(_openable_services()),
                           deployed=list(deployed.items()), year=year, years=_school_years()), status


@bp.get("/etablissement/<uai>/lien/<int:lien_id>")
@staff_required
def confirm_lien_opening(uai, lien_id):
    """Showing a link in the menu of every family concerned, or no longer:
    a step says what will happen before it is done, as for a service."""
    etab = administered_etablissement(uai)
    if request.args.get("ouvert") not in ("0", "1"):
        abort(404)
    year = _chosen_year(request.args.get("annee"))
    # Only a link meant for this kind of establishment is offered (accounts' rule).
    offered = {lien["id"]: lien for lien in rpc.call("accounts", "lien_openings", uai=uai, annee_scolaire=year)}
    if lien_id not in offered:
        abort(404)
    return render_template("admin/confirm_opening.html", etab=etab, lien=offered[lien_id], label=offered[lien_id]["nom"],
                           year=year, opening=request.args["ouvert"] == "1", opening_form=OpeningForm(),
                           action=url_for("admin.set_lien_opening", uai=uai, lien_id=lien_id))


@bp.post("/etablissement/<uai>/lien/<int:lien_id>")
@staff_required
def set_lien_opening(uai, lien_id):
    administered_etablissement(uai)
    form = OpeningForm()
    if not form.validate_on_submit():
        abort(400)
    year = _chosen_year(form.annee.data)
    try:
        result = rpc.call("accounts", "set_lien_opening", uai=uai, lien_id=lien_id, is_open=form.ouvert.data == "1",
                          account_id=g.viewer["id"], annee_scolaire=year)
    except NotFound:
        abort(404)
    except Forbidden:
        flash(_("Ce service académique n'est pas destiné à cet établissement."), "error")
    except OutcomeUnknown:
        flash(_("Le service des comptes n'a pas répondu à temps : nous ne savons pas encore si le changement "
                "a été fait. Rechargez cette page dans quelques instants pour voir son état."), "warning")
    except Unavailable:
        flash(_("Le service des comptes est momentanément indisponible : rien n'a été modifié."), "error")
    else:
        flash(_("Le lien est affiché dans le menu des familles concernées.") if result["open"]
              else _("Le lien n'est plus affiché aux familles."), "success")
    return redirect(url_for("admin.etablissement", uai=uai, annee=year))


@bp.get("/etablissement/<uai>/ouverture/<service>")
@staff_required
def confirm_opening(uai, service):
    """Opening or closing a service acts on every family of the
    establishment: a step says what will happen before it is done."""
    etab = administered_etablissement(uai)
    if service not in _openable_services():
        abort(404)
    year = _chosen_year(request.args.get("annee"))
    if request.args.get("ouvert") not in ("0", "1"):
        abort(404)
    label = current_app.config["FEATURE_SERVICES"][service].get("label", service)
    return render_template("admin/confirm_opening.html", etab=etab, lien=None, label=label, year=year,
                           opening=request.args["ouvert"] == "1", opening_form=OpeningForm(),
                           action=url_for("admin.set_opening", uai=uai, service=service))


@bp.post("/etablissement/<uai>/ouverture/<service>")
@staff_required
def set_opening(uai, service):
    administered_etablissement(uai)
    if service not in _openable_services():
        abort(404)
    form = OpeningForm()
    if not form.validate_on_submit():
        abort(400)
    year = _chosen_year(form.annee.data)
    label = current_app.config["FEATURE_SERVICES"][service].get("label", service)
    try:
        result = rpc.call(service, "set_opening", uai=uai, is_open=form.ouvert.data == "1",
                          account_id=g.viewer["id"], annee_scolaire=year)
    except Forbidden:
        flash(_("Ce service ne s'ouvre pas depuis l'établissement."), "error")
    except OutcomeUnknown:
        # Sent, but no answer: it may have been changed (gateway/rpc.py).
        flash(_("Le service « %(label)s » n'a pas répondu à temps : nous ne savons pas encore si le changement "
                "a été fait. Rechargez cette page dans quelques instants pour voir son état.", label=label),
              "warning")
    except Unavailable:
        flash(_("Le service « %(label)s » est momentanément indisponible : rien n'a été modifié.", label=label),
              "error")
    else:
        if result["open"]:
            flash(_("Le service « %(label)s » est ouvert aux familles.", label=label), "success")
        else:
            flash(_("Le service « %(label)s » est fermé.", label=label), "success")
    return redirect(url_for("admin.etablissement", uai=uai, annee=year))


@bp.post("/etablissement/<uai>/message")
@staff_required
def set_message(uai):
    etab = administered_etablissement(uai)
    form = MessageForm()
    if form.validate_on_submit():
        try:
            rpc.call("accounts", "set_message_accueil", uai=uai, message=form.message.data or "",
                     account_id=g.viewer["id"])
        except ValidationError as exc:
            form.message.errors = list(exc.errors.get("message", [_("Message invalide.")]))
        else:
            flash(_("Le message d'accueil est enregistré."), "success")
            return redirect(url_for("admin.etablissement", uai=uai))
    return _etablissement_page(etab, _chosen_year(None), form, 400)
