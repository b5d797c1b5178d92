"""The forms of logging in, the first connection and the recovery pages."""
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from gateway.forms import REQUIRED, DayMonthYearField, Form


class LoginForm(Form):
    identifiant = StringField(_l("Votre identifiant"), validators=[DataRequired(REQUIRED), Length(max=40)])
    mot_de_passe = PasswordField(_l("Votre mot de passe"), validators=[DataRequired(REQUIRED), Length(max=128)])


class FirstConnectionForm(Form):
    """What is required, and the rules of each field, are accounts' (it
    answers every field at once); here only what cannot be sent: a date that
    cannot be read, an over-long or control-character value."""

    # Required for families (checked by accounts), absent for staff.
    date_naissance = DayMonthYearField(_l("Date de naissance"))
    new_password = PasswordField(_l("Nouveau mot de passe"), validators=[Optional(), Length(max=128)])
    new_password_confirm = PasswordField(_l("Confirmation du mot de passe"), validators=[Optional(), Length(max=128)])
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
