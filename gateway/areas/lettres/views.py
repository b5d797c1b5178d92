"""Establishment staff: the notification letters (guide § 1.1, FAQ), for one
student, a class, or every account never notified, as one PDF; and an
account's journal (logins, changes, merges, purge)."""
from flask import (
    Blueprint, current_app, flash, g, make_response, redirect, render_template, request, url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, Length, Optional

from contract.errors import Unavailable
from gateway import rpc
from gateway.forms import CONTROL_MESSAGE, Form, has_control_characters
from gateway.areas.auth.views import client_address
from gateway.areas.lettres import letters_pdf
from gateway.rules import account_rules
from gateway.session import administered_etablissement, staff_required

bp = Blueprint("admin_letters", __name__, url_prefix="/admin/etablissement/<uai>", template_folder="templates")

# A letter run for a whole establishment sets thousands of provisional passwords.
LETTERS_TIMEOUT = 180


class LettersForm(Form):
    mode = HiddenField(validators=[AnyOf(["eleve", "classe", "nouveaux", "personnes"])])
    eleve_id = StringField(_l("Élève"), validators=[Optional(), Length(max=20)])
    classe = StringField(_l("Classe"), validators=[Optional(), Length(max=40)])
    # Guide § 1.1: "un courrier ou un courriel".
    moyen = HiddenField(default="courrier", validators=[Optional(), AnyOf(["courrier", "courriel"])])
    # The persons an e-mail could not reach, space-separated identifiers.
    identifiants = HiddenField(validators=[Optional(), Length(max=50000)])


def open_services(uai) -> list[str] | None:
    """The labels of the services this establishment opened to families this
    school year, in the menu's order, for the letters to name them ("notes, vie
    scolaire"); None when a service did not answer: the letter then names none
    rather than a list it does not know."""
    services = {name: s for name, s in current_app.config["FEATURE_SERVICES"].items() if name != "accounts"}
    pendings = [rpc.call_async(name, "get_openings", timeout=current_app.config["MENU_TIMEOUT"], uais=[uai])
                for name in services]
    opened = []
    for (name, settings), result in zip(services.items(), rpc.gather(pendings)):
        if isinstance(result, Exception):
            return None
        if result[uai].get("open") and result[uai].get("applicable") is not False:
            opened.append((settings.get("order", 100), settings.get("label", name)))
    return [label for _order, label in sorted(opened)]


def portal_url() -> str:
    return current_app.config.get("PUBLIC_URL") or request.url_root.rstrip("/")


@bp.route("/lettres", methods=["GET", "POST"])
@staff_required
def letters(uai):
    etab = administered_etablissement(uai)
    choices = rpc.call("accounts", "letter_choices", uai=uai)
    form = LettersForm()
    if form.validate_on_submit():
        selection, label = {}, _("tous les comptes jamais notifiés")
        if form.mode.data == "eleve":
            known = {str(e["eleve_id"]): e for e in choices["eleves"]}
            eleve = known.get((form.eleve_id.data or "").strip())
            if eleve is None:
                form.eleve_id.errors = [_("Choisissez un élève de l'établissement.")]
                return _page(etab, choices, form, uai), 200
            selection = {"eleve_ids": [eleve["eleve_id"]]}
            label = f"{eleve['prenom']} {eleve['nom']}"
        elif form.mode.data == "classe":
            if form.classe.data not in choices["classes"]:
                form.classe.errors = [_("Choisissez une classe de l'établissement.")]
                return _page(etab, choices, form, uai), 200
            selection = {"classe": form.classe.data}
            label = _("classe %(classe)s", classe=form.classe.data)
        elif form.mode.data == "personnes":
            names = (form.identifiants.data or "").split()
            if not names:
                form.identifiants.errors = [_("Aucune personne choisie.")]
                return _page(etab, choices, form, uai), 200
            selection = {"identifiants": names}
            label = _("personnes sans adresse électronique")
        else:
            selection = {"only_new": True}
        if form.moyen.data == "courriel" and form.mode.data != "personnes":
            result = rpc.call("accounts", "notify_by_email", timeout=LETTERS_TIMEOUT, uai=uai,
                              client=client_address(), **selection)
            return render_template("lettres/courriels.html", etab=etab, result=result, label=label,
                                   at=current_app.config["CLOCK"].now(), form=LettersForm(formdata=None))
        # Asked before the letters are issued (which replaces provisional
        # passwords): without the rules' words no letter could be printed.
        rules = account_rules()
        if rules is None:
            raise Unavailable("accounts: rules")
        services = open_services(uai)
        issued = rpc.call("accounts", "issue_letters", timeout=LETTERS_TIMEOUT, uai=uai, client=client_address(),
                          **selection)
        if not issued:
            flash(_("Aucune notification à éditer (%(label)s).", label=label), "info")
            return redirect(url_for("admin_letters.letters", uai=uai))
        today = current_app.config["CLOCK"].today()
        pdf = letters_pdf.render(issued, etab, portal_url(), today, rules, services)
        response = make_response(pdf)
        response.headers["Content-Type"] = "application/pdf"
        response.headers["Content-Disposition"] = (
            f'attachment; filename="notifications-{uai}-{today.isoformat()}.pdf"')
        # Provisional passwords: never kept by a cache.
        response.headers["Cache-Control"] = "no-store"
        return response
    return _page(etab, choices, form, uai)


def _page(etab, choices, form, uai):
    history = rpc.call("accounts", "notification_history", uai=uai)
    return render_template("lettres/lettres.html", etab=etab, choices=choices, form=form, history=history)


@bp.get("/journal")
@staff_required
def journal(uai):
    etab = administered_etablissement(uai)
    identifiant = (request.args.get("identifiant") or "").strip().lower()[:40]
    error = CONTROL_MESSAGE if has_control_characters(identifiant) else None
    events = rpc.call("accounts", "audit_log", identifiant=identifiant, uai=uai) if identifiant and not error else None
    return render_template("lettres/journal.html", etab=etab, identifiant=identifiant, events=events,
                           viewer=g.viewer, error=error)

