"""Inscription au lycée (guide § 3.7): a guardian enrolls the child in the
assigned lycée in four steps, or declines. Every rule (who may, the window,
the order of the steps, the first decision standing, what the lycée offers,
the fiche's rules on the administrative data) is the inscription service's;
these views check the child (child_or_404), call it and lay out its answer.
A refused or failed send shows the same step again with what was typed."""
import base64

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from contract.errors import NotFound, NotOpen, Unavailable, ValidationError
from contract.inscription import EtapeRefusee, VerificationIndisponible
from gateway import rpc
from gateway.areas.inscription.forms import ConfirmationForm, DecisionForm, DonneesForm, VoeuxForm
from gateway.composition import child_context, compose_menus
from gateway.forms import keep_input_on_outage
from gateway.session import child_or_404, login_required

bp = Blueprint("inscription", __name__, url_prefix="/eleve/<int:eleve_id>/inscription",
               template_folder="templates")

SERVICE = "inscription"

# What the page shows when the service did not answer a form: that step's
# form only, with what was typed (gateway/errors.py adds the message).
OUTAGE = {"outage": True, "etat": "inscrit", "peut_decider": False, "peut_continuer": True, "campagne": None,
          "ferme": None, "refus": None, "decision": None, "etape": 4, "champs": {}, "voeux_texte": [],
          "donnees_texte": [], "offre": {"lv1": [], "lv2": [], "options": [], "sections": [], "max_options": 0}}


def _frame(eleve_id):
    # This area is registered only where inscription is deployed (gateway/areas/__init__.py).
    current = child_or_404(eleve_id)
    return current, child_context(g.viewer, current)


def _render(current, data, step, forms=None, status=200):
    menu = compose_menus(g.viewer)[current["eleve_id"]]
    forms = forms or {}
    voeux = forms.get("voeux") or VoeuxForm(formdata=None, data=_voeux_data(data))
    voeux.offer(data["offre"])
    return render_template("inscription/page.html", child=current, menu=menu, data=data, step=step,
                           decision_form=forms.get("decision") or DecisionForm(formdata=None),
                           voeux_form=voeux, donnees_form=forms.get("donnees") or DonneesForm(formdata=None),
                           confirmation_form=forms.get("confirmation") or ConfirmationForm(formdata=None)), status


def _voeux_data(data) -> dict:
    saved = data.get("voeux") or {}
    return {"lv1": saved.get("lv1") or "", "lv2": saved.get("lv2") or "", "options": saved.get("options") or [],
            "section": saved.get("section") or ""}


def _unavailable(current, status, title, message):
    menu = compose_menus(g.viewer)[current["eleve_id"]]
    return render_template("inscription/unavailable.html", child=current, menu=menu, title=title,
                           message=message), status


def _page_data(current, context):
    """(data, None) or (None, a finished response)."""
    try:
        return rpc.call(SERVICE, "page", child=context), None
    except NotFound:
        # A student's own account, or a child with no assignment: as if absent.
        abort(404)
    except Unavailable:
        return None, _unavailable(current, 503, _("Inscription au lycée momentanément indisponible"),
                                  _("Le service d'inscription au lycée est momentanément indisponible. Réessayez "
                                    "dans quelques instants\u00a0: rien de ce que vous avez enregistré n'est perdu."))


def _step_shown(data) -> int:
    """The step the family is at, or an earlier one they asked to see again."""
    asked = request.args.get("etape", "")
    if data["etat"] == "complet":
        return 4
    if data["etat"] == "inscrit" and asked in ("2", "3", "4") and int(asked) <= data["etape"]:
        return int(asked)
    return data["etape"] if data["etat"] == "inscrit" else 1


@bp.get("/")
@login_required
def page(eleve_id):
    current, context = _frame(eleve_id)
    data, failed = _page_data(current, context)
    if failed:
        return failed
    return _render(current, data, _step_shown(data))


@bp.get("/rappel")
@login_required
def rappel(eleve_id):
    """"Consulter le rappel des vœux et les résultats d'affectation"."""
    current, context = _frame(eleve_id)
    data, failed = _page_data(current, context)
    if failed:
        return failed
    menu = compose_menus(g.viewer)[current["eleve_id"]]
    return render_template("inscription/rappel.html", child=current, menu=menu, data=data)


def _send(current, context, method, step, forms, form, payload):
    """Call one step's command; on a refusal, the same step again with what
    was typed and the reason, nothing stored."""
    keep_input_on_outage("inscription/page.html", child=current, menu=compose_menus(g.viewer)[current["eleve_id"]],
                         data=OUTAGE, step=step, decision_form=forms.get("decision") or DecisionForm(formdata=None),
                         voeux_form=_kept_choices(forms.get("voeux") or VoeuxForm(formdata=None)),
                         donnees_form=forms.get("donnees") or DonneesForm(formdata=None),
                         confirmation_form=forms.get("confirmation") or ConfirmationForm(formdata=None))
    try:
        rpc.call(SERVICE, method, child=context, **payload)
        return None
    except NotFound:
        abort(404)
    except ValidationError as exc:
        if isinstance(form, DonneesForm):
            form.apply_service_errors(exc.errors)
        else:
            form.apply_remote_errors(exc.errors)
        status = 400
    except (EtapeRefusee, NotOpen, VerificationIndisponible) as exc:
        # Out of order, already decided, the window closed meanwhile, the
        # fiche not answering: the reason, and nothing was stored.
        flash(str(exc), "error")
        status = 503 if isinstance(exc, VerificationIndisponible) else 409
    data, failed = _page_data(current, context)
    return failed or _render(current, data, step if data["etat"] == "inscrit" else _step_shown(data), forms, status)


def _submit(eleve_id, name, form_class, step, method, payload, done, next_step=None):
    """One step's form: checked here (the same step again, 400, when it does
    not fit), sent to the service's `method` with `payload(form, current)`,
    then the page at `next_step` with the message `done(form)`."""
    current, context = _frame(eleve_id)
    form = form_class()
    forms = {name: form}
    if not form.validate_on_submit():
        data, failed = _page_data(current, context)
        return failed or _render(current, data, step, forms, 400)
    failed = _send(current, context, method, step, forms, form, payload(form, current))
    if failed:
        return failed
    flash(done(form), "success")
    return redirect(url_for("inscription.page", eleve_id=eleve_id, etape=next_step))


def _kept_choices(form: VoeuxForm) -> VoeuxForm:
    """Without the service, the lycée's offer is unknown: the choices are
    what was posted, so the page shows them as typed."""
    def chosen(values):
        return [{"code": v, "libelle": v} for v in values if v]

    form.offer({"lv1": chosen([form.lv1.data]), "lv2": chosen([form.lv2.data]),
                "options": chosen(form.options.data or []), "sections": chosen([form.section.data])})
    return form


def _responsable():
    return {"prenom": g.viewer["prenom"], "nom": g.viewer["nom"], "email": g.viewer.get("email")}


@bp.post("/decision")
@login_required
def decision(eleve_id):
    def done(form):
        if form.choix.data == "refuser":
            return _("Votre réponse est enregistrée\u00a0: vous n'inscrivez pas votre enfant dans cet établissement. "
                     "Le principal de son collège en est informé.")
        return _("Votre enfant est inscrit dans cet établissement. Indiquez maintenant ses souhaits pédagogiques.")

    return _submit(eleve_id, "decision", DecisionForm, 1, "decide", lambda form, current: {
        "choix": form.choix.data, "responsable": _responsable(), "classe": current.get("classe")}, done)


@bp.post("/voeux")
@login_required
def voeux(eleve_id):
    return _submit(eleve_id, "voeux", VoeuxForm, 2, "save_voeux", lambda form, _current: {"form": {
        "lv1": form.lv1.data or None, "lv2": form.lv2.data or None, "options": list(form.options.data or []),
        "section": form.section.data or None}}, lambda _form: _("Souhaits pédagogiques enregistrés."), next_step=3)


@bp.post("/donnees")
@login_required
def donnees(eleve_id):
    def payload(form, _current):
        eleve, responsable = form.changes()
        return {"eleve": eleve, "responsable": responsable}

    return _submit(eleve_id, "donnees", DonneesForm, 3, "save_donnees", payload,
                   lambda _form: _("Données administratives enregistrées."), next_step=4)


@bp.post("/confirmation")
@login_required
def confirmation(eleve_id):
    return _submit(eleve_id, "confirmation", ConfirmationForm, 4, "complete", lambda _form, _current: {},
                   lambda _form: _("L'inscription est terminée. Un accusé de réception vous est envoyé par "
                                   "courriel."))


@bp.get("/accuse-reception.pdf")
@login_required
def receipt(eleve_id):
    _current, context = _frame(eleve_id)
    try:
        found = rpc.call(SERVICE, "receipt", child=context)
    except NotFound:
        abort(404)
    return Response(base64.b64decode(found["pdf_base64"]), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{found["filename"]}"'})
