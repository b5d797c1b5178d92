"""What every area's forms share (Flask-WTF: CSRF on every one), with
messages in French: the base Form that puts a service's field errors beside
their fields, the jj/mm/aaaa date field, and the page kept on an outage."""
from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import DateField

from common.schemas import CONTROL_CHARACTERS

REQUIRED = _l("Ce champ est obligatoire.")
CONTROL_MESSAGE = _l("Caractères non autorisés (caractères de contrôle).")
BAD_DATE = _l("Date invalide : utilisez le format jj/mm/aaaa.")


class FrenchDateField(DateField):
    """A date typed as jj/mm/aaaa (or sent as aaaa-mm-jj by a date picker)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(BAD_DATE) from None


def has_control_characters(text) -> bool:
    """What no person types and the services refuse (common.schemas): a NUL
    byte, other control characters but tab and line breaks, a lone surrogate."""
    return isinstance(text, str) and CONTROL_CHARACTERS.search(text) is not None


class Form(FlaskForm):
    """The base of every form: besides each field's validators, a field
    holding control characters gets the French message beside it, and the
    form is not valid, so nothing reaches a service."""

    def validate(self, extra_validators=None):
        retry_after = g.get("retry_after")
        if retry_after is not None:
            # Past the per-address limit (gateway/errors.py): the page comes
            # back with what was typed and when to retry; nothing is sent.
            self.form_errors.append(too_many_requests_message(retry_after))
            return False
        valid = super().validate(extra_validators)
        for field in self:
            if has_control_characters(field.data):
                field.errors = [*field.errors, CONTROL_MESSAGE]
                valid = False
        return valid

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


def too_many_attempts_message(retry_after: int) -> str:
    """The French message for an identifier (or address) that must wait."""
    return _("Trop de tentatives infructueuses. Par sécurité, réessayez dans %(wait)s.",
             wait=_wait(max(60, int(retry_after))))


def too_many_requests_message(retry_after: int) -> str:
    """The French message for a client address past the gateway's limit."""
    return _("Trop de tentatives depuis votre connexion. Réessayez dans %(wait)s.", wait=_wait(retry_after))


def _wait(seconds: int) -> str:
    if seconds < 60:
        return ngettext("%(num)d seconde", "%(num)d secondes", max(1, int(seconds)))
    minutes = -(-int(seconds) // 60)
    if minutes >= 60:
        return ngettext("%(num)d heure", "%(num)d heures", -(-minutes // 60))
    return ngettext("%(num)d minute", "%(num)d minutes", minutes)


def form_kept_when_limited(view):
    """Marks a view whose POST is a Form: past the per-address limit, the view
    runs again with `g.retry_after` set, so the same page comes back with what
    was typed (Form.validate refuses, nothing reaches a service)."""
    view.form_kept_when_limited = True
    return view


def keep_input_on_outage(template: str, **context) -> None:
    """Called by a view before it sends its form to a service: if the service
    does not answer, the same page comes back with what the person typed
    (passwords excepted) and a French message, instead of an error page
    (gateway/errors.py)."""
    g.form_page = (template, context)
