"""Académie operators: the staff accounts of establishments (head, secretariat)
and other operators. The provisional password is shown once."""
from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from contract.errors import ValidationError
from gateway import rpc
from gateway.forms import REQUIRED, Form
from gateway.session import operator_required

bp = Blueprint("admin_staff", __name__, url_prefix="/admin/personnels", template_folder="templates")


class StaffForm(Form):
    role = SelectField(_l("Rôle"), choices=[("staff", _l("Personnel d'établissement")),
                                            ("operator", _l("Opérateur académique"))])
    etablissement_uai = SelectField(_l("Établissement"), validate_choice=False)
    fonction = SelectField(_l("Fonction"), choices=[("direction", _l("Direction (chef d'établissement)")),
                                                    ("secretariat", _l("Secrétariat")),
                                                    ("cpe", _l("Conseiller principal d'éducation (CPE) : "
                                                               "vie scolaire seulement"))])
    nom = StringField(_l("Nom"), validators=[DataRequired(REQUIRED), Length(max=100)])
    prenom = StringField(_l("Prénom"), validators=[DataRequired(REQUIRED), Length(max=100)])
    email = EmailField(_l("Adresse électronique"), validators=[Optional(), Length(max=254)])


@bp.route("/", methods=["GET", "POST"])
@operator_required
def staff():
    etablissements = rpc.call("accounts", "list_etablissements")
    form = StaffForm()
    form.etablissement_uai.choices = [("", "—")] + [(e["uai"], f"{e['nom']} ({e['uai']})") for e in etablissements]
    created = None
    if form.validate_on_submit():
        staff_member = form.role.data == "staff"
        try:
            created = rpc.call("accounts", "create_staff_account", payload={
                "role": form.role.data, "nom": form.nom.data, "prenom": form.prenom.data,
                "email": form.email.data or None,
                "etablissement_uai": (form.etablissement_uai.data or None) if staff_member else None,
                "fonction": form.fonction.data if staff_member else None})
        except ValidationError as exc:
            form.apply_remote_errors(exc.errors)
        else:
            form = StaffForm(formdata=None)
            form.etablissement_uai.choices = [("", "—")] + [(e["uai"], f"{e['nom']} ({e['uai']})")
                                                           for e in etablissements]
    return render_template("personnels/personnels.html", form=form, created=created,
                           accounts=rpc.call("accounts", "list_staff"), etablissements=etablissements)
