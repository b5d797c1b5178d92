"""Administration of the notes service for one establishment: staff choose how
grades are published (FAQ: "au fil de l'eau" or "à échéance"). Opening and
closing the service is on the establishment's administration page
(gateway/areas/admin/views.py); the rule itself is the notes service's."""
from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms.validators import InputRequired

from contract.errors import ValidationError
from gateway import rpc
from gateway.forms import Form
from gateway.session import administered_etablissement, staff_required

bp = Blueprint("admin_notes", __name__, url_prefix="/admin/etablissement/<uai>/notes", template_folder="templates")

MODES = [
    ("fil_de_l_eau", _l("Au fil de l'eau : chaque note est publiée le lendemain de sa saisie.")),
    ("echeance", _l("À échéance : seules les notes dont la date de publication est arrivée sont affichées.")),
]


class PublicationModeForm(Form):
    mode = RadioField(_l("Publication des notes aux familles"), choices=MODES,
                      validators=[InputRequired(_l("Choisissez un mode de publication."))])


@bp.route("", methods=["GET", "POST"])
@staff_required
def settings(uai):
    etab = administered_etablissement(uai)
    current = rpc.call("notes", "get_settings", uai=uai)
    form = PublicationModeForm(data={"mode": current["publication_mode"]})
    if form.validate_on_submit():
        try:
            rpc.call("notes", "set_publication_mode", uai=uai, mode=form.mode.data, account_id=g.viewer["id"])
        except ValidationError as exc:
            form.mode.errors = [m for messages in exc.errors.values() for m in messages]
        else:
            flash(_("Le mode de publication des notes est enregistré."), "success")
            return redirect(url_for("admin_notes.settings", uai=uai))
    return render_template("notes/admin.html", etab=etab, form=form, current=current)
