"""The forms of "Mon compte" (guide § 2.7)."""
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from gateway.forms import REQUIRED, Form


class ProfileForm(Form):
    """"Modification de vos informations" (guide § 2.7.1)."""

    current_password = PasswordField(_l("Votre mot de passe actuel"),
                                     validators=[DataRequired(REQUIRED), Length(max=128)])
    email = EmailField(_l("Nouvelle adresse électronique"), validators=[Optional(), Length(max=254)])
    email_confirm = EmailField(_l("Confirmation de la nouvelle adresse"), validators=[Optional(), Length(max=254)])
    new_password = PasswordField(_l("Nouveau mot de passe"), validators=[Optional(), Length(max=128)])
    new_password_confirm = PasswordField(_l("Confirmation du nouveau mot de passe"),
                                         validators=[Optional(), Length(max=128)])


class MergeForm(Form):
    """"Regrouper des comptes" (guide § 2.7.2)."""

    identifiant = StringField(_l("Identifiant du compte"), validators=[DataRequired(REQUIRED), Length(max=40)])
    password = PasswordField(_l("Mot de passe du compte"), validators=[DataRequired(REQUIRED), Length(max=128)])


class MergeConfirmForm(Form):
    """The merge's confirmation step: the ticket accounts gave at "Suivant"."""

    ticket = HiddenField(validators=[DataRequired(REQUIRED), Length(max=100)])
