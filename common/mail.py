"""Asking the mailer for an e-mail: the one way every service (and the gateway)
requests a send (docs/mailer.md).

The catalogue below is the contract between the senders and the mailer: each
kind of message, its French label for the staff view, and the context its
templates read (services/mailer/templates/email/<kind>/). A request is checked
here, by the caller, before anything is queued: an unknown kind, an invalid
address or a missing context value is refused at once with
common.errors.ValidationError and French messages.

Two ways to hand a checked request over:

- a service dispatches it as a durable work event, as part of its own work
  (`dispatch_mail(self.dispatch_mail, request)` with
  `dispatch_mail = work_dispatcher()`); the mailer records it in its outbox
  before the event is acknowledged, keyed by the request's id, so a
  redelivered event never sends twice;
- a process that is not a service (the gateway, a CLI) calls the mailer's
  `send` RPC (`send_mail(rpc_client, request)`), which records it before
  answering.
"""
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlparse

from marshmallow import EXCLUDE, Schema, ValidationError as SchemaError, validates_schema

from common.dates import PARIS
from common.errors import ValidationError
from common.schemas import fields, validate
from contract.etablissement import UAI

# Every service's `mail_requested` work events reach the mailer by one route
# (common.messaging.ROUTES): no list of senders to keep.
MAIL_REQUESTED = "mail_requested"

# Types of context values, checked when the send is requested.
TEXT = "texte"
TEXT_LIST = "liste de textes"
DATE = "date"  # "2026-03-01"
DATETIME = "date et heure"  # ISO 8601 with its offset
SECRET_LINK = "lien secret"  # grants access (confirmation, reset): never shown to staff, erased once sent
SECRET_TEXT = "texte secret"  # a provisional password: never shown to staff, erased once sent


@dataclass(frozen=True)
class Kind:
    label: str
    required: dict = field(default_factory=dict)
    optional: dict = field(default_factory=dict)

    @property
    def variables(self) -> dict:
        return {**self.required, **self.optional}

    @property
    def secret(self) -> tuple:
        return tuple(name for name, type_ in self.variables.items() if type_ in (SECRET_LINK, SECRET_TEXT))


_PERSON = {"prenom": TEXT, "nom": TEXT}
_CHILD = {"eleve_prenom": TEXT, "eleve_nom": TEXT}

KINDS: dict[str, Kind] = {
    # Guide § 2.2: the link a guardian must click to activate the account, valid
    # 3 months. A student's address is optional (guide § 2.3): confirming it
    # only opens the self-service recovery, which the mail says ("role": "eleve").
    "confirmation_adresse": Kind(
        "Confirmation de l'adresse électronique",
        {**_PERSON, "identifiant": TEXT, "lien": SECRET_LINK, "valide_jusqu_au": DATE}, {"role": TEXT}),
    # Guide § 2.4: every identifier attached to the address (a guardian may keep
    # one account per child).
    "rappel_identifiant": Kind(
        "Rappel de l'identifiant",
        {**_PERSON, "identifiants": TEXT_LIST}),
    # Guide § 2.4: the reset link, valid one week.
    "reinitialisation_mot_de_passe": Kind(
        "Réinitialisation du mot de passe",
        {**_PERSON, "identifiant": TEXT, "lien": SECRET_LINK, "valide_jusqu_au": DATETIME}),
    # Guide § 2.5: sent to the new address; the change takes effect once clicked.
    "confirmation_nouvelle_adresse": Kind(
        "Confirmation de la nouvelle adresse électronique",
        {**_PERSON, "identifiant": TEXT, "nouvelle_adresse": TEXT, "lien": SECRET_LINK,
         "valide_jusqu_au": DATE}),
    # Guide § 2.5: sent at the same time to the old address.
    "information_ancienne_adresse": Kind(
        "Information sur le changement d'adresse électronique",
        {**_PERSON, "identifiant": TEXT, "nouvelle_adresse": TEXT, "date_demande": DATETIME}),
    "mot_de_passe_modifie": Kind(
        "Mot de passe modifié",
        {**_PERSON, "identifiant": TEXT, "date_modification": DATETIME}),
    # Guide § 3.3: the school accepted or refused a guardian's changes to the fiche.
    "fiche_modifications_acceptees": Kind(
        "Fiche de renseignements : modifications acceptées",
        {**_PERSON, **_CHILD, "etablissement_nom": TEXT, "date_demande": DATETIME},
        {"modifications": TEXT_LIST}),
    "fiche_modifications_refusees": Kind(
        "Fiche de renseignements : modifications refusées",
        {**_PERSON, **_CHILD, "etablissement_nom": TEXT, "date_demande": DATETIME},
        {"modifications": TEXT_LIST, "motif": TEXT}),
    # Issue 15: the school accepted or refused a family's online justification
    # of an absence (services/vie_scolaire).
    "justification_absence_acceptee": Kind(
        "Vie scolaire : justification d'absence acceptée",
        {**_PERSON, **_CHILD, "etablissement_nom": TEXT, "absence": TEXT, "date_demande": DATETIME}),
    "justification_absence_refusee": Kind(
        "Vie scolaire : justification d'absence refusée",
        {**_PERSON, **_CHILD, "etablissement_nom": TEXT, "absence": TEXT, "date_demande": DATETIME,
         "raison": TEXT}),
    # Guide § 3.7: the receipt of an enrollment in the assigned lycée.
    "inscription_accuse_reception": Kind(
        "Inscription au lycée : accusé de réception",
        {**_PERSON, **_CHILD, "lycee_nom": TEXT, "date_inscription": DATETIME},
        {"formation": TEXT}),
    # Guide § 3.7: "le principal du collège de votre enfant en sera informé".
    "inscription_refus_college": Kind(
        "Inscription au lycée : famille qui n'inscrit pas son enfant",
        {"college_nom": TEXT, **_CHILD, "lycee_nom": TEXT, "responsable_prenom": TEXT,
         "responsable_nom": TEXT, "date_refus": DATETIME},
        {"eleve_classe": TEXT, "formation": TEXT}),
    # FAQ "LSL": the head decided on a family's request (rectification, or
    # opposition to the transmission of the livret to the bac jury).
    "lsl_demande_acceptee": Kind(
        "Livret scolaire du lycée : demande acceptée",
        {**_PERSON, **_CHILD, "etablissement_nom": TEXT, "demande": TEXT, "date_demande": DATETIME},
        {"reponse": TEXT}),
    "lsl_demande_refusee": Kind(
        "Livret scolaire du lycée : demande refusée",
        {**_PERSON, **_CHILD, "etablissement_nom": TEXT, "demande": TEXT, "date_demande": DATETIME},
        {"reponse": TEXT}),
    # Guide § 1.1: the head notifies each account "par courrier ou par
    # courriel"; the e-mail says what the letter says: the identifier, and for
    # an account not in use yet a provisional password valid 3 months.
    "notification_compte": Kind(
        "Notification du compte (identifiant et mot de passe provisoire)",
        {**_PERSON, "identifiant": TEXT, "role": TEXT, "eleve": TEXT, "etablissement_nom": TEXT,
         "adresse_site": TEXT},
        {"mot_de_passe": SECRET_TEXT, "valide_jusqu_au": DATE, "validite": TEXT, "regle_mot_de_passe": TEXT}),
    # Issue 18: the acknowledgement of a scholarship application, with its
    # number and the estimate given at the end of the entry.
    "bourse_accuse_reception": Kind(
        "Bourse : accusé de réception de la demande",
        {**_PERSON, **_CHILD, "etablissement_nom": TEXT, "bourse": TEXT, "annee_scolaire": TEXT,
         "numero": TEXT, "date_depot": DATETIME, "estimation": TEXT}),
    # Issue 18: each change the school makes (complete, missing piece, decision).
    "bourse_suivi": Kind(
        "Bourse : suivi de la demande",
        {**_PERSON, **_CHILD, "etablissement_nom": TEXT, "bourse": TEXT, "numero": TEXT, "statut": TEXT,
         "date_changement": DATETIME},
        {"piece": TEXT, "decision": TEXT, "motif": TEXT}),
}

# Deliberately strict: an ASCII local part (dot-atom), a domain of at least two
# labels (an internationalised domain is sent in its ASCII form). Nothing that
# could end a header line or add a recipient gets through.
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u0085]")
BAD_ADDRESS = "Adresse électronique invalide."


def normalize_address(value) -> str:
    """The address as it will be written in the envelope and the To header;
    raises ValueError (with the French message) if it is not one plain address."""
    if not isinstance(value, str) or _CONTROL.search(value):
        raise ValueError(BAD_ADDRESS)
    address = value.strip()
    if len(address) > 254 or address.count("@") != 1:
        raise ValueError(BAD_ADDRESS)
    local, domain = address.split("@")
    if not local or len(local) > 64 or not _LOCAL.fullmatch(local):
        raise ValueError(BAD_ADDRESS)
    try:
        domain = domain.encode("idna").decode("ascii").lower()
    except (UnicodeError, ValueError):
        raise ValueError(BAD_ADDRESS) from None
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels) or labels[-1].isdigit():
        raise ValueError(BAD_ADDRESS)
    return f"{local}@{domain}"


def _check_value(name: str, type_: str, value):
    """The value as the templates get it, or ValueError with a French message."""
    if type_ == TEXT:
        if not isinstance(value, str) or len(value) > 2000:
            raise ValueError("Texte attendu.")
        return value
    if type_ == SECRET_TEXT:
        if not isinstance(value, str) or not value or len(value) > 200 or _CONTROL.search(value):
            raise ValueError("Texte attendu.")
        return value
    if type_ == TEXT_LIST:
        if not isinstance(value, list) or not all(isinstance(v, str) and len(v) <= 2000 for v in value):
            raise ValueError("Liste de textes attendue.")
        return value
    if type_ == DATE:
        try:
            return date.fromisoformat(value).isoformat()
        except (TypeError, ValueError):
            raise ValueError("Date attendue (aaaa-mm-jj).") from None
    if type_ == DATETIME:
        try:
            parsed = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            raise ValueError("Date et heure attendues, avec leur fuseau.")
        return parsed.isoformat()
    if type_ == SECRET_LINK:
        parsed = urlparse(value) if isinstance(value, str) else None
        if parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc or _CONTROL.search(value):
            raise ValueError("Lien http ou https attendu.")
        return value
    raise AssertionError(f"unknown context type {type_} for {name}")


def check_context(kind: Kind, context) -> tuple[dict, dict]:
    """(the context with every optional variable present, errors by variable)."""
    if not isinstance(context, dict):
        return {}, {"_": ["Le contexte du message doit être un objet."]}
    errors, checked = {}, {}
    for name in context:
        if name not in kind.variables:
            errors[name] = ["Variable inconnue pour ce type de message."]
    for name, type_ in kind.variables.items():
        value = context.get(name)
        if value is None:
            if name in kind.required:
                errors[name] = ["Ce champ est obligatoire."]
            checked[name] = None
            continue
        try:
            checked[name] = _check_value(name, type_, value)
        except ValueError as exc:
            errors[name] = [str(exc)]
    return checked, errors


class MailRequestSchema(Schema):
    """One message to send, as it crosses the wire (event or RPC)."""

    class Meta:
        unknown = EXCLUDE

    request_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    kind = fields.String(required=True)
    to = fields.String(required=True)
    to_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    context = fields.Dict(load_default=dict)
    # Held until then (the right to disconnect, a publication date...).
    not_before = fields.AwareDateTime(load_default=None, allow_none=True)
    # The establishments whose staff see this message in their view (a
    # guardian's children may be in several).
    etablissement_uais = fields.List(
        fields.String(validate=UAI),
        load_default=list)
    account_id = fields.Integer(load_default=None, allow_none=True)

    @validates_schema
    def _kind_address_context(self, data, **kwargs):
        errors = {}
        kind = KINDS.get(data["kind"])
        if kind is None:
            errors["kind"] = [f"Type de message inconnu : {data['kind']}."]
        try:
            normalize_address(data["to"])
        except ValueError as exc:
            errors["to"] = [str(exc)]
        if data.get("to_name") and _CONTROL.search(data["to_name"]):
            errors["to_name"] = ["Nom invalide (retour à la ligne ou caractère de contrôle)."]
        if kind is not None:
            _, context_errors = check_context(kind, data["context"])
            if context_errors:
                errors["context"] = context_errors
        if errors:
            raise SchemaError(errors)


_schema = MailRequestSchema()


def load_request(payload) -> dict:
    """A request checked and normalised (the address, the context's dates);
    raises common.errors.ValidationError with French messages per field."""
    try:
        data = _schema.load(payload)
    except SchemaError as exc:
        raise ValidationError(exc.messages) from None
    kind = KINDS[data["kind"]]
    data["to"] = normalize_address(data["to"])
    data["context"], _ = check_context(kind, data["context"])
    data["etablissement_uais"] = sorted(set(data["etablissement_uais"]))
    return data


def mail_request(kind: str, to: str, context: dict | None = None, *, to_name: str | None = None,
                 not_before: datetime | None = None, etablissement_uai: str | None = None,
                 etablissement_uais: list[str] | tuple = (), account_id: int | None = None,
                 request_id: str | None = None) -> dict:
    """A checked request, ready to dispatch or send. Raises ValidationError
    before anything is queued. `request_id` (a new UUID by default) is the key
    that makes a redelivery harmless: give the same one to ask again for the
    same message."""
    uais = list(etablissement_uais) + ([etablissement_uai] if etablissement_uai else [])
    payload = {
        "request_id": request_id or uuid.uuid4().hex, "kind": kind, "to": to, "to_name": to_name,
        "context": context or {}, "not_before": not_before.isoformat() if not_before else None,
        "etablissement_uais": uais, "account_id": account_id,
    }
    checked = load_request(payload)
    return {**payload, "to": checked["to"], "context": {k: v for k, v in checked["context"].items() if v is not None},
            "etablissement_uais": checked["etablissement_uais"]}


def dispatch_mail(dispatch, *requests: dict) -> None:
    """From a service: hand checked requests (`mail_request(...)`) to the mailer
    as one durable work event. `dispatch` is the service's `work_dispatcher()`
    dependency."""
    if requests:
        dispatch(MAIL_REQUESTED, {"messages": list(requests)})


def send_mail(rpc_client, *requests: dict) -> list[dict]:
    """From a process that is not a service: the mailer records the requests
    before it answers; returns each one's outbox entry (id, status)."""
    return rpc_client.call("mailer", "send", messages=list(requests))


# The right to disconnect (2025): no notification to families between 20:00
# and 07:00, nor on Saturdays and Sundays (French time).
QUIET_FROM, QUIET_UNTIL = time(20, 0), time(7, 0)


def right_to_disconnect_not_before(now: datetime) -> datetime | None:
    """None if a notification may go out at `now`; else the next instant it may
    (07:00 on the next working day), to pass as `not_before`."""
    local = now.astimezone(PARIS)
    day = local.date()
    if local.weekday() < 5 and QUIET_UNTIL <= local.time() < QUIET_FROM:
        return None
    if local.time() >= QUIET_FROM:
        day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, QUIET_UNTIL, tzinfo=PARIS)
