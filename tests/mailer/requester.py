"""A stand-in for a service that asks for e-mails (here under the name of
`inscription`; any name reaches the mailer), for the mailer's
integration tests and benchmark: it dispatches `mail_requested` work events
exactly as a real service does (common.mail.dispatch_mail through
common.messaging.work_dispatcher: persistent, confirmed).

`python -m common.runner tests.mailer.requester:MailRequester`
(tools.cluster: `cluster.service(SERVICE, service_name="inscription")`).
"""
from common.mail import dispatch_mail
from common.messaging import rpc, work_dispatcher

SERVICE = "tests.mailer.requester:MailRequester"


class MailRequester:
    name = "inscription"

    mail_events = work_dispatcher()

    @rpc
    def request(self, messages, per_event=1):
        """Dispatch these checked requests (common.mail.mail_request), `per_event` to an event."""
        for start in range(0, len(messages), per_event):
            dispatch_mail(self.mail_events, *messages[start:start + per_event])
        return len(messages)
