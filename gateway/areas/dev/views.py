"""Development only (SCOLARITE_DEV=1): the messages the local mail catcher
kept (tools/mailcatcher.py), newest first, each readable with its links
clickable, so that a newcomer follows a confirmation link from the browser.
Never registered in production (gateway/app.py)."""
import re
from datetime import datetime, timezone

from flask import Blueprint, abort, current_app, make_response, render_template
from markupsafe import Markup, escape

from common.caught_mail import CaughtMail
from common.clock import PARIS
from gateway.security import CONTENT_SECURITY_POLICY

bp = Blueprint("devmail", __name__, url_prefix="/dev/courriels", template_folder="templates")

MESSAGE_ID = re.compile(r"\d+-\d+-[0-9a-f]{8}")
URL = re.compile(r"https?://[^\s<>\"']+")
SHOWN = 200


def _received_at(message_id: str) -> datetime:
    return datetime.fromtimestamp(int(message_id.split("-")[0]) / 1e9, timezone.utc).astimezone(PARIS)


def linkify(text: str) -> Markup:
    """Plain text, escaped, with every web address made a link."""
    def link(match):
        url = match.group(0)
        trailing = ""
        while url and url[-1] in ".,;:!?)":
            url, trailing = url[:-1], url[-1] + trailing
        return f'<a href="{url}">{url}</a>{trailing}'

    return Markup(URL.sub(link, str(escape(text))))


@bp.get("/")
def index():
    mailbox = CaughtMail(current_app.config["SETTINGS"].mail_catcher_dir)
    ids = list(reversed(mailbox.ids()))
    messages = []
    for message_id in ids[:SHOWN]:
        try:
            message = mailbox.message(message_id)
        except FileNotFoundError:
            continue
        messages.append({"id": message_id, "received_at": _received_at(message_id),
                         "to": str(message["To"] or ""), "subject": str(message["Subject"] or "")})
    return render_template("dev/courriels.html", messages=messages, total=len(ids), shown=SHOWN,
                           directory=current_app.config["SETTINGS"].mail_catcher_dir)


@bp.get("/<message_id>")
def show(message_id):
    if not MESSAGE_ID.fullmatch(message_id):
        abort(404)
    try:
        message = CaughtMail(current_app.config["SETTINGS"].mail_catcher_dir).message(message_id)
    except FileNotFoundError:
        abort(404)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    # The HTML part is shown in a sandboxed frame (no script, no access to this
    # site); its links open in the whole window.
    srcdoc = '<base target="_top">' + html.get_content() if html is not None else None
    response = make_response(render_template(
        "dev/courriel.html", message=message, received_at=_received_at(message_id),
        text=linkify(text.get_content()) if text is not None else None, srcdoc=srcdoc))
    # The frame's document inherits this page's policy; a mail's HTML carries
    # inline styles (mail clients read no style sheet), so they are allowed
    # here, in development only, and still no script.
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "style-src 'self'", "style-src 'self' 'unsafe-inline'")
    return response
