"""The forms of logging in, the first connection and the recovery pages."""
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from gateway.forms import REQUIRED, Form, FrenchDateField


class LoginForm(Form):
    identifiant = StringField(_l("Votre identifiant"), validators=[DataRequired(REQUIRED), Length(max=40)])
    mot_de_passe = PasswordField(_l("Votre mot de passe"), validators=[DataRequired(REQUIRED), Length(max=128)])


class FirstConnectionForm(Form):
    # Required for families (checked by accounts), absent for staff.
    date_naissance = FrenchDateField(_l("Date de naissance"), validators=[Optional()], format=["%Y-%m-%d", "%d/%m/%Y"])
    new_password = PasswordField(_l("Nouveau mot de passe"),
                                 validators=[DataRequired(REQUIRED), Length(max=128)])
    new_password_confirm = PasswordField(_l("Confirmation du mot de passe"),
                                         validators=[DataRequired(REQUIRED), Length(max=128)])
    email = EmailField(_l("Votre adresse électronique"), validators=[Optional(), Length(max=254)])
    email_confirm = EmailField(_l("Confirmation de votre adresse électronique"),
                               validators=[Optional(), Length(max=254)])



class EmailVerificationForm(Form):
    """"Vérification mail" (guide § 2.2.1): the address shown, correctable."""

    email = EmailField(_l("Votre adresse électronique"), validators=[DataRequired(REQUIRED), Length(max=254)])
    email_confirm = EmailField(_l("Confirmation de votre adresse électronique"),
                               validators=[DataRequired(REQUIRED), Length(max=254)])


class ForgottenIdentifierForm(Form):
    email = EmailField(_l("Votre adresse électronique"), validators=[DataRequired(REQUIRED), Length(max=254)])


class ForgottenPasswordForm(Form):
    identifiant = StringField(_l("Votre identifiant"), validators=[DataRequired(REQUIRED), Length(max=40)])


class NewPasswordForm(Form):
    new_password = PasswordField(_l("Nouveau mot de passe"), validators=[DataRequired(REQUIRED), Length(max=128)])
    new_password_confirm = PasswordField(_l("Confirmation du mot de passe"),
                                         validators=[DataRequired(REQUIRED), Length(max=128)])
