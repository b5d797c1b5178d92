"""The mailer: every e-mail the platform sends, sent once, never lost
(docs/mailer.md). No other service talks SMTP.

Requests come in two ways, both recorded in the outbox before they are
acknowledged: `mail_requested` work events from any service (one route,
common.messaging.ROUTES, whoever the sender), and the `send` RPC. A timer in every instance claims
the due messages and sends them; any number of instances share the work.
"""
import logging
import os
import socket

from common.clock import ClockProvider
from common.db import Database
from common.errors import NotFound, ValidationError
from common.logs import correlation_id
from common.mail import MAIL_REQUESTED, load_request
from common.messaging import route_handler, rpc
from common.schemas import load_or_raise
from common.settings import SettingsProvider, setting_timer
from services.mailer import outbox, rendering
from services.mailer.dependencies import Doorbell, GroupCommit, Smtp
from services.mailer.exceptions import TemplateMissing
from services.mailer.schemas import OutboxEntrySchema, OutboxQuerySchema, StatusQuerySchema
from services.mailer.settings import MailerSettings

log = logging.getLogger("scolarite.mailer")

# Names this process's claims in the outbox.
INSTANCE = f"{socket.gethostname()}-{os.getpid()}"

_entry = OutboxEntrySchema()


class MailerService:
    name = "mailer"
    settings_class = MailerSettings

    db = Database()
    clock = ClockProvider()
    smtp = Smtp()
    group_commit = GroupCommit()
    new_mail = Doorbell()
    settings = SettingsProvider()

    # -- requests -------------------------------------------------------
    @rpc
    def send(self, messages):
        """Gateway and other processes that are not services
        (common.mail.send_mail): record these requests (common.mail.mail_request)
        in the outbox, all or none, before answering. A request whose id was
        already recorded is not recorded again. Raises ValidationError (per
        message position) for an unknown kind, an invalid address or a context
        that does not fit the kind: then nothing is queued. Returns each
        message's outbox entry."""
        if not isinstance(messages, list) or not messages:
            raise ValidationError({"messages": ["Au moins un message est attendu."]})
        requests, errors = [], {}
        for position, message in enumerate(messages):
            try:
                requests.append(load_request(message))
            except ValidationError as exc:
                errors[str(position)] = exc.errors
        if errors:
            raise ValidationError(errors)
        missing = {str(i): {"kind": [f"Aucun modèle pour le type de message {r['kind']}."]}
                   for i, r in enumerate(requests) if r["kind"] not in rendering.template_kinds()}
        if missing:
            raise TemplateMissing(missing)
        now = self.clock.now()
        from_address = self.smtp.settings["from_address"]
        rows = []
        for position, request in enumerate(requests):
            try:
                rows.append(outbox.prepare(request, "rpc", now, from_address, correlation_id.get()))
            except rendering.RenderError as exc:
                raise ValidationError({str(position): {"context": [str(exc)]}}) from None
        outbox.write(self.db, rows)
        self.db.commit()
        self.new_mail.ring()
        return self._entries([r["request_id"] for r in rows])

    def _entries(self, request_ids):
        found = outbox.find(self.db, request_ids)
        missing = [request_id for request_id in request_ids if request_id not in found]
        if missing:
            raise NotFound(missing[0])
        return _entry.dump([found[request_id] for request_id in request_ids], many=True)

    def _record_event(self, source, payload):
        """Record the event's messages, then return: the event is acknowledged
        only then (common.messaging.route_handler), and the commit is shared
        with the events that arrived with it (dependencies.GroupCommit). An
        invalid message, which its sender should have refused (common.mail),
        is kept as failed with the reason rather than dropped."""
        messages = payload.get("messages") if isinstance(payload, dict) else None
        if not isinstance(messages, list):
            log.error("mail_requested from %s without messages: ignored", source)
            return
        now = self.clock.now()
        from_address = self.smtp.settings["from_address"]
        rows = []
        for message in messages:
            try:
                rows.append(outbox.prepare(load_request(message), source, now, from_address, correlation_id.get()))
            except (ValidationError, rendering.RenderError) as exc:
                reason = f"demande refusée : {getattr(exc, 'errors', exc)}"
                refused = outbox.prepare_refused(message, source, now, reason, from_address, correlation_id.get())
                if refused is None:
                    log.error("mail_requested from %s: unidentifiable message refused (%s)", source, reason)
                else:
                    rows.append(refused)
        committed_the_group = self.group_commit.write(self.db, rows)
        if log.isEnabledFor(logging.INFO):
            log.info("mail_requested from %s: %d message(s) recorded (%s)", source, len(rows),
                     ", ".join(sorted({row["kind"] for row in rows})))
        if committed_the_group:
            self.new_mail.ring()

    @route_handler(MAIL_REQUESTED)
    def mail_requested(self, payload, sender):
        """Any service's mail requests (common.mail.dispatch_mail): recorded in
        the outbox under the sender's name before the event is acknowledged."""
        self._record_event(sender, payload)

    # -- sending --------------------------------------------------------
    @setting_timer("own.poll_seconds", eager=True)
    def deliver_due(self):
        """Every instance, every SCOLARITE_MAILER_POLL_SECONDS: send what is due, and what is
        recorded meanwhile (for about two seconds, then the timer fires again)."""
        tally = outbox.deliver_due(self.db, self.smtp, self.clock, INSTANCE, doorbell=self.new_mail,
                                   idle_wait=self.settings.own.poll_seconds)
        if tally:
            log.info("mailer %s: %d sent, %d deferred, %d failed in %d batch(es)%s", INSTANCE, tally.sent,
                     tally.deferred, tally.failed, tally.batches,
                     f"; {tally.errors[-1]}" if tally.errors else "")

    # -- views ----------------------------------------------------------
    @rpc
    def status(self, request_ids):
        """Senders and tests: where these requests are, in the given order.
        Raises NotFound for an id never recorded."""
        query = load_or_raise(StatusQuerySchema(), {"request_ids": request_ids})
        return self._entries(query["request_ids"])

    @rpc
    def outbox_page(self, query):
        """Gateway, the staff view (/admin/courriels): staff pass their own
        establishment and see only its families' messages; an académie operator
        passes all_etablissements. Newest first; never a message's body."""
        data = load_or_raise(OutboxQuerySchema(), query)
        total, rows = outbox.page(
            self.db, etablissement_uai=None if data["all_etablissements"] else data["etablissement_uai"],
            status=data["status"], recipient=data["recipient"], number=data["page"], per_page=data["per_page"])
        return {"total": total, "page": data["page"], "per_page": data["per_page"],
                "messages": _entry.dump(rows, many=True)}
