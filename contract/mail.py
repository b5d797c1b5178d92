"""The mail catalogue every sender and the mailer agree on: each kind of
message and the context its templates read. It is kept in common/mail.py,
beside the checks that use it, where the services that add kinds edit it;
this module is its name in the contract."""
from common.mail import KINDS, MAIL_REQUESTED, Kind, mail_request

__all__ = ["KINDS", "MAIL_REQUESTED", "Kind", "mail_request"]
