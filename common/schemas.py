"""Marshmallow at every boundary, with the messages a family reads in French.

Field messages are set once here; schemas that face a person import `fields`
from this module so the French messages are in place.
"""
import re
from datetime import date, datetime, timezone

from marshmallow import Schema, ValidationError, fields, validate  # noqa: F401

from common.dates import PARIS
from common.errors import ValidationError as RemoteValidationError

_FRENCH = {
    fields.Field: {
        "required": "Ce champ est obligatoire.",
        "null": "Ce champ est obligatoire.",
        "validator_failed": "Valeur invalide.",
    },
    fields.String: {"invalid": "Texte invalide.", "invalid_utf8": "Texte invalide.",
                    "control": "Caractères non autorisés (caractères de contrôle)."},
    fields.Integer: {"invalid": "Nombre entier attendu.", "too_large": "Nombre trop grand.",
                     "out_of_range": "Nombre hors des limites autorisées."},
    fields.Boolean: {"invalid": "Oui ou non attendu."},
    fields.Date: {"invalid": "Date invalide.", "format": "Date invalide."},
    fields.DateTime: {"invalid": "Date et heure invalides.", "format": "Date et heure invalides."},
    fields.Email: {"invalid": "Adresse électronique invalide."},
    fields.List: {"invalid": "Liste attendue."},
    fields.Nested: {"type": "Données invalides."},
}
for _field, _messages in _FRENCH.items():
    _field.default_error_messages = {**_field.default_error_messages, **_messages}

# Every text that crosses a boundary: the C0 controls but tab and line
# breaks, DEL, the C1 controls and lone surrogates. PostgreSQL refuses a NUL
# in text and cannot encode a lone surrogate; none of them is ever typed by a
# person; CR/LF are kept for multi-line fields (single-line fields that must
# not hold them, such as addresses, say so themselves).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

# Every integer that crosses a boundary fits a PostgreSQL INTEGER column (and
# so SQLite's 64 bits): 99999999999999999999 as an id is refused as input
# instead of failing in the database driver.
INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1

_string_deserialize = fields.String._deserialize
_integer_deserialize = fields.Integer._deserialize


def _refusal(field, cls, key) -> ValidationError:
    # A field built before this module was imported (a schema of contract/)
    # lacks the keys added above: its refusal is the same French message.
    return ValidationError(field.error_messages.get(key) or _FRENCH[cls][key])


def _checked_string(self, value, attr, data, **kwargs):
    text = _string_deserialize(self, value, attr, data, **kwargs)
    if CONTROL_CHARACTERS.search(text):
        raise _refusal(self, fields.String, "control")
    return text


def _checked_integer(self, value, attr, data, **kwargs):
    number = _integer_deserialize(self, value, attr, data, **kwargs)
    if number is not None and not INTEGER_MIN <= number <= INTEGER_MAX:
        raise _refusal(self, fields.Integer, "out_of_range")
    return number


# Patched on marshmallow's own classes, like the messages above, so that every
# schema of every service (and common/contract.py, common/news.py) inherits it.
fields.String._deserialize = _checked_string
fields.Integer._deserialize = _checked_integer

validate.Length.message_max = "{max} caractères au maximum."
validate.Length.message_min = "{min} caractères au minimum."
validate.Length.message_all = "Entre {min} et {max} caractères."
validate.OneOf.default_message = "Valeur non autorisée."


def load_or_raise(schema: Schema, data, **kwargs):
    """Validate incoming RPC data; refusal crosses the wire as common.errors.ValidationError."""
    try:
        return schema.load(data, **kwargs)
    except ValidationError as exc:
        raise RemoteValidationError(exc.messages) from None


def optional_instant(value, field: str) -> datetime | None:
    """An RPC's optional instant ("since"): None when not given, UTC when it
    gives no offset; a refusal beside `field` otherwise."""
    if not value:
        return None
    try:
        instant = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        raise RemoteValidationError({field: ["Date et heure invalides."]}) from None
    return instant if instant.tzinfo else instant.replace(tzinfo=timezone.utc)


def refuse_blank(field: fields.Field, value) -> None:
    """A required field left empty in a form ("", spaces) is missing, not
    malformed: it says « Ce champ est obligatoire. », as an absent one does."""
    if field.required and isinstance(value, str) and not value.strip():
        raise field.make_error("required")


class FrenchDate(fields.Field):
    """jj/mm/aaaa or aaaa-mm-jj."""

    default_error_messages = {"invalid": "Date attendue au format jj/mm/aaaa."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        refuse_blank(self, value)
        if not isinstance(value, str):
            raise self.make_error("invalid")
        for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                return datetime.strptime(value.strip(), fmt).date()
            except ValueError:
                continue
        raise self.make_error("invalid")


class FrenchDateTime(fields.Field):
    """jj/mm/aaaa hh:mm (Paris time) or ISO 8601 (Paris time when no offset is given)."""

    default_error_messages = {"invalid": "Date et heure attendues au format jj/mm/aaaa hh:mm."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, datetime):
            instant = value
        elif isinstance(value, str):
            refuse_blank(self, value)
            instant = None
            text = value.strip()
            for fmt in ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S"):
                try:
                    instant = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
            if instant is None:
                try:
                    instant = datetime.fromisoformat(text)
                except ValueError:
                    raise self.make_error("invalid") from None
        else:
            raise self.make_error("invalid")
        instant = instant if instant.tzinfo else instant.replace(tzinfo=PARIS)
        # Stored in UTC: SQLite keeps the wall-clock time and forgets the offset.
        return instant.astimezone(timezone.utc)
