"""Administration of the vie scolaire service for one establishment (issue
15): the vie scolaire staff answer the families' online justifications
(accept, or refuse with a reason the family reads), open their documents, and
see the students at 4 unjustified half-days or more in a month, and set the
establishment's half-day boundary, motifs and period calendars. The
establishment's direction and secretariat and its CPE reach these pages
(accounts' rules: the "vie_scolaire" domain). Opening and
closing the service is on the establishment's administration page
(gateway/areas/admin/views.py); the rules are the vie scolaire service's."""
import base64
import re

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from contract.errors import Forbidden, NotFound, ValidationError
from gateway import rpc
from gateway.forms import REQUIRED, Form, keep_input_on_outage
from gateway.session import administered_etablissement, staff_required

bp = Blueprint("admin_vie_scolaire", __name__, url_prefix="/admin/etablissement/<uai>/vie-scolaire",
               template_folder="templates")

MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre"]


class DecisionForm(Form):
    decision = HiddenField(validators=[AnyOf(["accepter", "refuser"])])
    raison = TextAreaField(_l("Raison du refus (lue par la famille)"),
                           validators=[Length(max=500, message=_l("500 caractères au maximum."))])


def _students(uai: str) -> dict:
    return {e["eleve_id"]: e for e in rpc.call("accounts", "list_eleves", uai=uai)}


@bp.route("/justifications", methods=["GET", "POST"])
@staff_required
def justifications(uai):
    etab = administered_etablissement(uai, "vie_scolaire")
    pending = rpc.call("vie_scolaire", "pending_justifications", uai=uai)
    forms = {p["id"]: DecisionForm(formdata=None, prefix=f"j{p['id']}") for p in pending}
    answered = request.form.get("justification", type=int) if request.method == "POST" else None
    if answered is not None:
        if answered not in forms:
            flash(_("Cette justification a déjà reçu une réponse."), "info")
            return redirect(url_for("admin_vie_scolaire.justifications", uai=uai))
        form = forms[answered] = DecisionForm(prefix=f"j{answered}")
        if form.validate_on_submit():
            keep_input_on_outage("vie_scolaire/admin_justifications.html", etab=etab, pending=pending, forms=forms)
            try:
                result = rpc.call("vie_scolaire", "decide_justification", uai=uai, justification_id=answered,
                                  decision={"accepter": form.decision.data == "accepter",
                                            "raison": form.raison.data or None},
                                  account_id=g.viewer["id"])
            except ValidationError as exc:
                form.apply_remote_errors(exc.errors)
            except NotFound:
                abort(404)
            else:
                flash(_("Justification acceptée\u00a0: l'absence est justifiée et la famille en est informée par "
                        "courriel.") if result["etat"] == "acceptee" else
                      _("Justification refusée\u00a0: la famille en est informée par courriel, avec la raison."), "success")
                return redirect(url_for("admin_vie_scolaire.justifications", uai=uai))
    return render_template("vie_scolaire/admin_justifications.html", etab=etab, pending=pending, forms=forms)


@bp.get("/justifications/<int:justification_id>/document")
@staff_required
def document(uai, justification_id):
    administered_etablissement(uai, "vie_scolaire")
    try:
        doc = rpc.call("vie_scolaire", "justification_document", uai=uai, justification_id=justification_id)
    except NotFound:
        abort(404)
    # Only what the service recognised by content; never rendered inline as HTML.
    name = re.sub(r"[^A-Za-z0-9._-]", "_", doc["nom"]) or "justificatif"
    return Response(base64.b64decode(doc["contenu"]), mimetype=doc["type"], headers={
        "Content-Disposition": f'attachment; filename="{name}"', "X-Content-Type-Options": "nosniff"})


@bp.get("/alertes")
@staff_required
def alerts(uai):
    etab = administered_etablissement(uai, "vie_scolaire")
    chosen = request.args.get("mois", "")
    match = re.fullmatch(r"(\d{4})-(\d{2})", chosen)
    error = None
    kwargs = {}
    if match and 1 <= int(match.group(2)) <= 12:
        kwargs = {"annee": int(match.group(1)), "mois": int(match.group(2))}
    elif chosen:
        error = _("Mois invalide\u00a0: choisissez un mois dans la liste.")
    result = rpc.call("vie_scolaire", "alerts", uai=uai, **kwargs)
    students = _students(uai) if result["eleves"] else {}
    rows = [{**a, "eleve": students.get(a["eleve_id"])} for a in result["eleves"]]
    month = f"{result['annee']:04d}-{result['mois']:02d}"
    return render_template("vie_scolaire/admin_alertes.html", etab=etab, rows=rows, month=month, error=error,
                           month_label=f"{MONTHS[result['mois'] - 1]} {result['annee']}")


# -- the establishment's settings: half-day boundary, motifs, periods -----
class HeureForm(Form):
    heure_demi_journee = StringField(_l("Heure de séparation des demi-journées (hh:mm)"),
                        validators=[DataRequired(REQUIRED), Length(max=5)])


class MotifForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(REQUIRED), Length(max=20)])
    libelle = StringField(_l("Libellé"), validators=[DataRequired(REQUIRED), Length(max=100)])
    parents = BooleanField(_l("Les familles peuvent le choisir en justifiant une absence en ligne"))


class CalendrierForm(Form):
    classe = SelectField(_l("Classe"), validate_choice=False)
    p1_libelle = StringField(_l("Libellé de la période 1"), validators=[Length(max=60)])
    p1_debut = StringField(_l("Début de la période 1 (jj/mm/aaaa)"), validators=[Length(max=10)])
    p1_fin = StringField(_l("Fin de la période 1 (jj/mm/aaaa)"), validators=[Length(max=10)])
    p2_libelle = StringField(_l("Libellé de la période 2"), validators=[Length(max=60)])
    p2_debut = StringField(_l("Début de la période 2 (jj/mm/aaaa)"), validators=[Length(max=10)])
    p2_fin = StringField(_l("Fin de la période 2 (jj/mm/aaaa)"), validators=[Length(max=10)])
    p3_libelle = StringField(_l("Libellé de la période 3 (trimestres)"), validators=[Length(max=60)])
    p3_debut = StringField(_l("Début de la période 3 (jj/mm/aaaa)"), validators=[Length(max=10)])
    p3_fin = StringField(_l("Fin de la période 3 (jj/mm/aaaa)"), validators=[Length(max=10)])

    def periodes(self) -> list[dict]:
        """The periods filled in (a third left empty: semesters)."""
        out = []
        for numero in (1, 2, 3):
            values = {key: (getattr(self, f"p{numero}_{key}").data or "").strip() for key in ("libelle", "debut", "fin")}
            if numero < 3 or any(values.values()):
                out.append({"numero": numero, **values})
        return out


def _reglages_page(uai, etab, heure_form=None, motif_form=None, calendrier_form=None, status=200):
    reglages = rpc.call("vie_scolaire", "reglages", uai=uai)
    heure_form = heure_form or HeureForm(formdata=None, heure_demi_journee=reglages["heure_demi_journee"])
    motif_form = motif_form or MotifForm(formdata=None)
    calendrier_form = calendrier_form or CalendrierForm(formdata=None)
    calendrier_form.classe.choices = [("", _("Calendrier par défaut (toutes les classes sans le leur)"))] + [
        (c, c) for c in reglages["classes"]]
    return render_template("vie_scolaire/admin_reglages.html", etab=etab, reglages=reglages, heure_form=heure_form,
                           motif_form=motif_form, calendrier_form=calendrier_form), status


@bp.get("/reglages")
@staff_required
def reglages(uai):
    return _reglages_page(uai, administered_etablissement(uai, "vie_scolaire"))


def _send_settings(form, call) -> bool:
    """Send a settings form; False with the service's messages beside the fields."""
    try:
        call()
    except ValidationError as exc:
        form.apply_remote_errors(exc.errors)
        return False
    except Forbidden:
        abort(404)
    return True


@bp.post("/reglages/heure")
@staff_required
def set_heure(uai):
    etab = administered_etablissement(uai, "vie_scolaire")
    form = HeureForm()
    if form.validate_on_submit():
        if _send_settings(form, lambda: rpc.call("vie_scolaire", "set_settings", uai=uai,
                                                     heure_demi_journee=form.heure_demi_journee.data.strip(),
                                                     account_id=g.viewer["id"])):
            flash(_("L'heure de séparation des demi-journées est enregistrée : les absences de l'année sont "
                    "recomptées."), "success")
            return redirect(url_for("admin_vie_scolaire.reglages", uai=uai))
    return _reglages_page(uai, etab, heure_form=form, status=400)


@bp.post("/reglages/motif")
@staff_required
def save_motif(uai):
    etab = administered_etablissement(uai, "vie_scolaire")
    form = MotifForm()
    if form.validate_on_submit() and _send_settings(form, lambda: rpc.call(
            "vie_scolaire", "save_motif", uai=uai, account_id=g.viewer["id"],
            motif={"code": form.code.data.strip(), "libelle": form.libelle.data.strip(),
                   "parents": bool(form.parents.data)})):
        flash(_("Le motif « %(libelle)s » est enregistré.", libelle=form.libelle.data.strip()), "success")
        return redirect(url_for("admin_vie_scolaire.reglages", uai=uai))
    return _reglages_page(uai, etab, motif_form=form, status=400)


@bp.post("/reglages/calendrier")
@staff_required
def save_calendrier(uai):
    etab = administered_etablissement(uai, "vie_scolaire")
    form = CalendrierForm()
    form.classe.choices = []
    if form.validate_on_submit() and _send_settings(form, lambda: rpc.call(
            "vie_scolaire", "save_calendrier", uai=uai, classe=form.classe.data or "", periodes=form.periodes(),
            account_id=g.viewer["id"])):
        flash(_("Le calendrier est enregistré.") if form.classe.data else
              _("Le calendrier par défaut est enregistré."), "success")
        return redirect(url_for("admin_vie_scolaire.reglages", uai=uai))
    return _reglages_page(uai, etab, calendrier_form=form, status=400)
