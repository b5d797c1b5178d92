"""Courriels envoyés: for an establishment's families, what the platform sent,
to whom, when, and where each message stands (sent, waiting, deferred,
failed with the reason). Staff see their own establishment, académie
operators every one. Never a message's content: some carry a link that opens
an account (the mailer does not even hand it over)."""
from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from gateway import rpc
from gateway.forms import CONTROL_MESSAGE, has_control_characters
from gateway.session import administered_etablissement, staff_required

bp = Blueprint("admin_mail", __name__, template_folder="templates")

PER_PAGE = 50
STATUSES = {
    "queued": (_l("En attente d'envoi"), "info"),
    "sent": (_l("Envoyé"), "success"),
    "deferred": (_l("Différé"), "warning"),
    "failed": (_l("Échec"), "error"),
}


def _filters() -> dict:
    """The page's filters from its query string, anything unexpected dropped."""
    status = request.args.get("statut", "")
    recipient = request.args.get("destinataire", "").strip()[:254]
    try:
        page = max(1, min(int(request.args.get("page", "1")), 100000))
    except ValueError:
        page = 1
    if has_control_characters(recipient):
        return {"status": status if status in STATUSES else "", "recipient": recipient, "page": 1,
                "error": CONTROL_MESSAGE}
    return {"status": status if status in STATUSES else "", "recipient": recipient, "page": page, "error": None}


def _page(scope: dict, filters: dict) -> dict | None:
    if filters["error"]:
        return None
    result = rpc.call("mailer", "outbox_page", query={
        **scope, "status": filters["status"] or None, "recipient": filters["recipient"] or None,
        "page": filters["page"], "per_page": PER_PAGE})
    result["pages"] = max(1, -(-result["total"] // PER_PAGE))

    def page_url(number):
        if not 1 <= number <= result["pages"]:
            return None
        return url_for(request.endpoint, **request.view_args, statut=filters["status"] or None,
                       destinataire=filters["recipient"] or None, page=number)

    result["previous_url"], result["next_url"] = page_url(result["page"] - 1), page_url(result["page"] + 1)
    return result


@bp.get("/admin/courriels")
@staff_required
def index():
    """Staff go to their establishment's list; operators see the whole académie's."""
    if g.viewer["role"] == "staff":
        return redirect(url_for("admin_mail.messages", uai=g.viewer["etablissement_uai"]))
    filters = _filters()
    return render_template("courriels/courriels.html", etab=None, filters=filters, statuses=STATUSES,
                           result=_page({"all_etablissements": True}, filters))


@bp.get("/admin/etablissement/<uai>/courriels")
@staff_required
def messages(uai):
    etab = administered_etablissement(uai)
    filters = _filters()
    return render_template("courriels/courriels.html", etab=etab, filters=filters, statuses=STATUSES,
                           result=_page({"etablissement_uai": uai}, filters))
