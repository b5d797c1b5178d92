"""What every area's forms share (Flask-WTF: CSRF on every one), with
messages in French: the base Form that puts a service's field errors beside
their fields, the jj/mm/aaaa date field, the jour / mois / année date field,
what the error summary and the page title read ("Erreur : "), and the page
kept on an outage."""
from datetime import date, datetime

from flask import Config, g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from jinja2 import pass_context
from wtforms import DateField, Field
from wtforms.utils import unset_value
from wtforms.widgets import ListWidget

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


BAD_DATE_PARTS = _l("Date invalide : indiquez le jour, le mois et l'année en chiffres, par exemple 04, 09 et 2012.")


class DayMonthYearField(Field):
    """A date typed in three fields, jour / mois / année, as the parents' guide
    shows (§ 2.2): never a native date input, whose format follows the
    browser's language. Sent as `<name>-jour`, `<name>-mois`, `<name>-annee`
    (a client posting one `<name>` as jj/mm/aaaa or aaaa-mm-jj is read too).
    A date that cannot be read is this field's error and never reaches a
    service. Rendered by `_forms.html`'s `date_parts` macro."""

    PARTS = ("jour", "mois", "annee")
    SINGLE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.parts = dict.fromkeys(self.PARTS, "")

    @property
    def anchor(self) -> str:
        """Where the error summary's link leads: the first of the three inputs."""
        return f"{self.id}-jour"

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        self.data = None if data is unset_value else data
        self.object_data = self.data
        self.raw_data = []
        if isinstance(self.data, date):
            self.parts = {"jour": f"{self.data.day:02d}", "mois": f"{self.data.month:02d}",
                          "annee": f"{self.data.year:04d}"}
        if formdata is None:
            return
        self.parts = {p: (formdata.get(f"{self.name}-{p}") or "").strip()[:10] for p in self.PARTS}
        single = (formdata.get(self.name) or "").strip()[:20]
        if not any(self.parts.values()) and not single:
            self.data = None
            return
        self.raw_data = [single or "/".join(self.parts.values())]
        try:
            if any(self.parts.values()):
                day, month, year = (int(self.parts[p]) if self.parts[p].isdigit() else -1 for p in self.PARTS)
                if year < 1000:
                    raise ValueError
                self.data = date(year, month, day)
            else:
                self.data = _parse_single(single, self.SINGLE_FORMATS)
        except ValueError:
            self.data = None
            self.process_errors.append(BAD_DATE_PARTS if any(self.parts.values()) else BAD_DATE)

    def _value(self):
        return self.raw_data[0] if self.raw_data else ""


def _parse_single(text: str, formats) -> date:
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


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

    def summary(self) -> list[tuple[str | None, str, str]]:
        """(anchor, label, message) of every error, in the page's order, for
        the error summary at the top of the page (`_forms.html`); a form-wide
        message has no anchor."""
        out = [(None, "", str(message)) for message in self.form_errors]
        for field in self:
            if field.type in ("CSRFTokenField", "HiddenField"):
                out += [(None, "", str(message)) for message in field.errors]
                continue
            # A group of radio buttons or check boxes is reached by its first one.
            anchor = getattr(field, "anchor", f"{field.id}-0" if isinstance(field.widget, ListWidget) else field.id)
            out += [(anchor, str(field.label.text), str(message)) for message in field.errors]
        return out + [(anchor, str(label), str(message)) for anchor, label, message in self.input_errors]

    @property
    def input_errors(self) -> list[tuple[str, str, str]]:
        """Errors of inputs the form does not declare as fields (a form whose
        inputs a service defines, as the fiche's): (anchor, label, message)."""
        if "_input_errors" not in self.__dict__:
            self._input_errors = []
        return self._input_errors

    def add_input_errors(self, errors: dict, anchors: dict, labels: dict) -> None:
        """Adds a service's messages by input name ({name: [message]}) to the
        summary, each linking to `anchors.get(name, name)` and named
        `labels[name]`; the page writes them beside their inputs itself."""
        for name, messages in errors.items():
            for message in messages if isinstance(messages, list) else [messages]:
                self.input_errors.append((anchors.get(name, name), labels.get(name, ""), str(message)))

    def has_errors(self) -> bool:
        return bool(self.form_errors or self.input_errors or any(f.errors for f in self))

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


def page_has_form_errors(context) -> bool:
    """True when a form of the page being rendered holds errors: base.html
    then prefixes the page title with "Erreur : " (DSFR's pattern)."""
    for value in context.values():
        if isinstance(value, Form) and value.has_errors():
            return True
        # (Every page's context has the application's configuration, a dict of no form.)
        if isinstance(value, dict) and not isinstance(value, Config) \
                and any(isinstance(f, Form) and f.has_errors() for f in value.values()):
            # A page of rows, each its own form (a decision per request).
            return True
    return False


def register(app) -> None:
    app.jinja_env.globals["page_has_form_errors"] = pass_context(page_has_form_errors)


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
