"""Forms (Flask-WTF: CSRF on every one), with messages in French."""
from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

REQUIRED = _l("Ce champ est obligatoire.")
BAD_DATE = _l("Date invalide : utilisez le format jj/mm/aaaa.")


class FrenchDateField(DateField):
    """A date typed as jj/mm/aaaa (or sent as aaaa-mm-jj by a date picker)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(BAD_DATE) from None


class Form(FlaskForm):
    def apply_remote_errors(self, errors: dict) -> None:
        """Put a service's ValidationError messages next to their fields."""
        for name, messages in errors.items():
            field = getattr(self, name, None)
            if not hasattr(field, "errors"):
                field = None
            target = field.errors if field is not None else self.form_errors
            if isinstance(target, tuple):
                target = list(target)
                if field is not None:
                    field.errors = target
            target.extend(messages if isinstance(messages, list) else [str(messages)])


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


def too_many_attempts_message(retry_after: int) -> str:
    """The French message for an identifier (or address) that must wait."""
    minutes = max(1, -(-int(retry_after) // 60))
    if minutes >= 60:
        hours = -(-minutes // 60)
        wait = ngettext("%(num)d heure", "%(num)d heures", hours)
    else:
        wait = ngettext("%(num)d minute", "%(num)d minutes", minutes)
    return _("Trop de tentatives infructueuses. Par sécurité, réessayez dans %(wait)s.", wait=wait)


def keep_input_on_outage(template: str, **context) -> None:
    """Called by a view before it sends its form to a service: if the service
    does not answer, the same page comes back with what the person typed
    (passwords excepted) and a French message, instead of an error page
    (gateway/errors.py)."""
    g.form_page = (template, context)
