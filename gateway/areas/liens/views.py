"""Académie operators: declare, change and withdraw the académie's services
shown as links in the children's menus (guide § 1.1, § 3.6). Each
establishment's staff open them from the establishment's administration page
(gateway/areas/admin). The checks (https, audiences, kinds) are accounts'."""
from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from contract.errors import NotFound, OutcomeUnknown, Unavailable, ValidationError
from gateway import rpc
from gateway.forms import REQUIRED, Form
from gateway.session import operator_required

bp = Blueprint("admin_liens", __name__, url_prefix="/admin/liens", template_folder="templates")

AUDIENCES = [("tous", _l("Responsables et élèves")), ("responsables", _l("Responsables seulement")),
             ("eleves", _l("Élèves seulement"))]
TYPES = [("college", _l("Collège")), ("lycee", _l("Lycée"))]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LienForm(Form):
    nom = StringField(_l("Nom du service"), validators=[DataRequired(REQUIRED), Length(max=100)])
    adresse = StringField(_l("Adresse (https://…)"), validators=[DataRequired(REQUIRED), Length(max=500)])
    description = TextAreaField(_l("Description courte"), validators=[Length(max=300)])
    audience = SelectField(_l("Destinataires"), choices=AUDIENCES)
    types_etablissement = CheckboxesField(_l("Types d'établissement"), choices=TYPES)
    ordinateur_seulement = BooleanField(_l("Accessible seulement depuis un ordinateur"))
    http_autorise = BooleanField(_l("Autoriser une adresse en http (non chiffrée) pour ce lien"))

    def payload(self) -> dict:
        return {"nom": self.nom.data, "adresse": self.adresse.data, "description": self.description.data or "",
                "audience": self.audience.data, "types_etablissement": list(self.types_etablissement.data or []),
                "ordinateur_seulement": bool(self.ordinateur_seulement.data),
                "http_autorise": bool(self.http_autorise.data)}


class RetirerForm(Form):
    pass


def _save(form, call, **kwargs) -> bool:
    """Send the form to accounts; False with the messages beside the fields."""
    try:
        rpc.call("accounts", call, payload=form.payload(), account_id=g.viewer["id"], **kwargs)
    except ValidationError as exc:
        form.apply_remote_errors(exc.errors)
    except OutcomeUnknown:
        form.form_errors.append(_("Le service des comptes n'a pas répondu à temps : nous ne savons pas encore si "
                                  "le lien est enregistré. Vérifiez la liste dans quelques instants."))
    except Unavailable:
        form.form_errors.append(_("Le service des comptes est momentanément indisponible : rien n'a été "
                                  "enregistré. Réessayez dans quelques instants."))
    else:
        return True
    return False


@bp.route("/", methods=["GET", "POST"])
@operator_required
def liens():
    form = LienForm()
    if form.validate_on_submit() and _save(form, "declare_lien"):
        flash(_("Le service « %(nom)s » est déclaré. Chaque établissement l'ouvre depuis sa page "
                "d'administration.", nom=form.nom.data.strip()), "success")
        return redirect(url_for("admin_liens.liens"))
    return render_template("liens/liens.html", form=form, liens=rpc.call("accounts", "list_liens"),
                           audiences=dict(AUDIENCES), types=dict(TYPES))


@bp.route("/<int:lien_id>/", methods=["GET", "POST"])
@operator_required
def modifier(lien_id):
    try:
        lien = rpc.call("accounts", "get_lien", lien_id=lien_id)
    except NotFound:
        abort(404)
    form = LienForm(data=lien)
    if form.validate_on_submit() and _save(form, "update_lien", lien_id=lien_id):
        flash(_("Le service « %(nom)s » est modifié.", nom=form.nom.data.strip()), "success")
        return redirect(url_for("admin_liens.liens"))
    return render_template("liens/modifier.html", form=form, lien=lien)


@bp.get("/<int:lien_id>/retirer")
@operator_required
def confirmer_retrait(lien_id):
    """Removing a link acts on every establishment's families: a step says
    what will happen before it is done."""
    try:
        lien = rpc.call("accounts", "get_lien", lien_id=lien_id)
    except NotFound:
        abort(404)
    return render_template("liens/retirer.html", lien=lien, form=RetirerForm())


@bp.post("/<int:lien_id>/retirer")
@operator_required
def retirer(lien_id):
    if not RetirerForm().validate_on_submit():
        abort(400)
    try:
        rpc.call("accounts", "remove_lien", lien_id=lien_id, account_id=g.viewer["id"])
    except NotFound:
        abort(404)
    except OutcomeUnknown:
        flash(_("Le service des comptes n'a pas répondu à temps : rechargez cette page pour voir si le lien "
                "est retiré."), "warning")
    except Unavailable:
        flash(_("Le service des comptes est momentanément indisponible : rien n'a été retiré."), "error")
    else:
        flash(_("Le service est retiré des menus de tous les établissements."), "success")
    return redirect(url_for("admin_liens.liens"))
