"""Forms (Flask-WTF: CSRF on every one), with messages in French."""
from flask_babel import lazy_gettext as _l
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


class LoginForm(FlaskForm):
    identifiant = StringField(_l("Votre identifiant"), validators=[DataRequired(REQUIRED), Length(max=40)])
    mot_de_passe = PasswordField(_l("Votre mot de passe"), validators=[DataRequired(REQUIRED), Length(max=128)])


class FirstConnectionForm(FlaskForm):
    # Required for families (checked by accounts), absent for staff.
    date_naissance = FrenchDateField(_l("Date de naissance"), validators=[Optional()], format=["%Y-%m-%d", "%d/%m/%Y"])
    new_password = PasswordField(_l("Nouveau mot de passe"),
                                 validators=[DataRequired(REQUIRED), Length(max=128)])
    new_password_confirm = PasswordField(_l("Confirmation du mot de passe"),
                                         validators=[DataRequired(REQUIRED), Length(max=128)])
    email = EmailField(_l("Votre adresse électronique"), validators=[Optional(), Length(max=254)])
    email_confirm = EmailField(_l("Confirmation de votre adresse électronique"),
                               validators=[Optional(), Length(max=254)])

    def apply_remote_errors(self, errors: dict) -> None:
        """Put a service's ValidationError messages next to their fields."""
        for name, messages in errors.items():
            field = getattr(self, name, None)
            target = field.errors if field is not None else self.form_errors
            if isinstance(target, tuple):
                target = list(target)
                if field is not None:
                    field.errors = target
            target.extend(messages if isinstance(messages, list) else [str(messages)])
