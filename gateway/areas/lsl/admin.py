"""Administration of the LSL for one establishment (FAQ "LSL"): the families'
requests to the head, decided here (the family is told by mail), the daily
replications received, and the publication of the final livret after the
results. Opening the service is on the establishment's page (gateway/areas/admin/views.py);
the rules are the LSL service's."""
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from contract.errors import Forbidden, NotFound, Unavailable, ValidationError
from gateway import rpc
from gateway.forms import Form
from gateway.session import administered_etablissement, staff_required

bp = Blueprint("admin_lsl", __name__, url_prefix="/admin/etablissement/<uai>/lsl", template_folder="templates")

ETATS = {"en_attente": _l("En attente"), "acceptee": _l("Acceptées"), "refusee": _l("Refusées"), "": _l("Toutes")}


class DecisionForm(Form):
    decision = RadioField(_l("Décision"), choices=[("acceptee", _l("Accepter")), ("refusee", _l("Refuser"))],
                          validators=[InputRequired(_l("Choisissez d'accepter ou de refuser la demande."))])
    reponse = TextAreaField(_l("Réponse à la famille (facultative)"), validators=[
        Optional(), Length(max=2000, message=_l("2000 caractères au maximum."))])


class PublishForm(Form):
    pass


def _page(etab, etat, forms=None, status=200):
    demandes = rpc.call("lsl", "school_requests", uai=etab["uai"], etat=etat or None)
    replications = rpc.call("lsl", "replications", uai=etab["uai"], limit=10)
    forms = forms or {}
    return render_template("lsl/admin.html", etab=etab, demandes=demandes, replications=replications,
                           forms={d["id"]: forms.get(d["id"]) or DecisionForm(prefix=f"d{d['id']}")
                                  for d in demandes if d["etat"] == "en_attente"},
                           publish_form=PublishForm(), etat=etat, etats=ETATS), status


@bp.get("")
@staff_required
def requests(uai):
    etab = administered_etablissement(uai)
    etat = request.args.get("etat", "en_attente")
    if etat not in ETATS:
        etat = "en_attente"
    return _page(etab, etat)


@bp.post("/demande/<int:demande_id>")
@staff_required
def decide(uai, demande_id):
    etab = administered_etablissement(uai)
    form = DecisionForm(prefix=f"d{demande_id}")
    if form.validate_on_submit():
        try:
            rpc.call("lsl", "decide", uai=uai, demande_id=demande_id, decision=form.decision.data,
                     reponse=form.reponse.data or "", account_id=g.viewer["id"])
        except NotFound:
            flash(_("Cette demande n'existe pas dans votre établissement."), "error")
        except ValidationError as exc:
            form.apply_remote_errors(exc.errors)
            return _page(etab, "en_attente", {demande_id: form}, 400)
        except Unavailable:
            flash(_("Le livret scolaire n'a pas répondu : nous ne savons pas si la décision a été enregistrée. "
                    "Vérifiez l'état de la demande avant de recommencer."), "error")
            return _page(etab, "en_attente", {demande_id: form}, 503)
        else:
            flash(_("La décision est enregistrée ; la famille en est informée par courriel si elle a donné "
                    "une adresse."), "success")
            return redirect(url_for("admin_lsl.requests", uai=uai))
        return redirect(url_for("admin_lsl.requests", uai=uai))
    return _page(etab, "en_attente", {demande_id: form}, 400)


@bp.post("/livret-definitif")
@staff_required
def publish(uai):
    administered_etablissement(uai)
    if not PublishForm().validate_on_submit():
        return redirect(url_for("admin_lsl.requests", uai=uai))
    try:
        result = rpc.call("lsl", "publish_final", uai=uai, account_id=g.viewer["id"])
    except Forbidden as exc:
        flash(exc.args[0] if exc.args else _("Action impossible."), "error")
    except Unavailable:
        flash(_("Le livret scolaire n'a pas répondu : vérifiez dans quelques instants si les livrets sont "
                "publiés avant de recommencer."), "error")
    else:
        flash(_("%(n)s livret(s) définitif(s) mis à disposition des familles.", n=result["publies"]), "success")
    return redirect(url_for("admin_lsl.requests", uai=uai))
