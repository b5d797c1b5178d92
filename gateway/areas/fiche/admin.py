"""Administration of the fiche de renseignements for one establishment (guide
§ 3.3: "les modifications peuvent être acceptées ou refusées"): the students
whose families sent changes, each change with its value before and after to
accept or refuse with an optional reason, and the export of accepted changes
(CSV in SIECLE's names) to carry into BEE. Opening and closing the fiche is on
the establishment's administration page (gateway/areas/admin). The rules are the
fiche service's."""
from datetime import datetime, time, timedelta

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from common.clock import PARIS
from contract.errors import NotFound, Unavailable, ValidationError
from gateway import rpc
from gateway.areas.fiche.forms import CsrfForm
from gateway.session import administered_etablissement, staff_required

bp = Blueprint("admin_fiche", __name__, url_prefix="/admin/etablissement/<uai>/fiche", template_folder="templates")


@bp.get("")
@staff_required
def dossiers(uai):
    etab = administered_etablissement(uai)
    return render_template("fiche/admin.html", etab=etab, dossiers=rpc.call("fiche", "dossiers", uai=uai))


@bp.route("/<int:eleve_id>", methods=["GET", "POST"])
@staff_required
def dossier(uai, eleve_id):
    etab = administered_etablissement(uai)
    try:
        data = rpc.call("fiche", "dossier", uai=uai, eleve_id=eleve_id)
    except NotFound:
        abort(404)
    form, typed, general, errors, status = CsrfForm(), {}, [], {}, 200
    if request.method == "POST":
        typed = {d["id"]: {"decision": request.form.get(f"decision-{d['id']}", ""),
                           "motif": request.form.get(f"motif-{d['id']}", "").strip()} for d in data["en_attente"]}
        decisions = [{"demande_id": demande_id, "decision": t["decision"], "motif": t["motif"] or None}
                     for demande_id, t in typed.items() if t["decision"] in ("accepter", "refuser")]
        # A reason typed on a change left for later would be lost without a word.
        errors = {f"motif-{demande_id}": [_("Choisissez « Accepter » ou « Refuser » pour envoyer ce motif, "
                                            "ou effacez-le.")]
                  for demande_id, t in typed.items() if t["motif"] and t["decision"] not in ("accepter", "refuser")}
        if not form.validate():
            if form.csrf_token.errors:
                general = [_("La page a expiré : vos choix sont conservés, envoyez-les à nouveau.")]
            status = 400
        elif errors:
            status = 400
        elif not decisions:
            # Beside the first change's choice: the summary's link leads there.
            errors, status = {f"decision-{data['en_attente'][0]['id']}": [
                _("Choisissez « Accepter » ou « Refuser » pour au moins une modification.")]}, 400
        else:
            try:
                result = rpc.call("fiche", "decide", uai=uai, eleve_id=eleve_id, decisions=decisions,
                                  account_id=g.viewer["id"])
            except ValidationError as exc:
                (errors, general), status = _messages(exc.errors, decisions), 400
            except Unavailable:
                general, status = [_("Le service n'a pas répondu : nous ne savons pas si vos décisions ont été "
                                     "enregistrées. Rechargez le dossier dans quelques instants pour le vérifier.")], 503
            else:
                flash(" ".join([
                    ngettext("%(num)d modification acceptée,", "%(num)d modifications acceptées,", result["acceptees"]),
                    ngettext("%(num)d refusée.", "%(num)d refusées.", result["refusees"]),
                    ngettext("%(num)d courriel de confirmation envoyé à la famille.",
                             "%(num)d courriels de confirmation envoyés aux familles.", result["courriels"])]),
                      "success")
                return redirect(url_for("admin_fiche.dossier", uai=uai, eleve_id=eleve_id))
    if status == 400:
        # What the person must correct: the error summary at the top (its title "Erreur : "), each
        # message beside its change's choice or reason too.
        form.csrf_token.errors = []
        form.form_errors.extend(general)
        general = []
        labels = {}
        for d in data["en_attente"]:
            labels[f"decision-{d['id']}"] = _("Décision pour %(champ)s", champ=d["libelle"])
            labels[f"motif-{d['id']}"] = _("Motif pour %(champ)s", champ=d["libelle"])
        form.add_input_errors(errors, {name: f"{name}-accepter" for name in errors if name.startswith("decision-")},
                              labels)
    return render_template("fiche/admin_dossier.html", etab=etab, data=data, form=form, typed=typed,
                           general=general, errors=errors), status


def _messages(errors: dict, decisions: list[dict]) -> tuple[dict, list[str]]:
    """The service's refusal, in French: a decision's messages beside its
    choice ({"decision-<id>": [...]}), the others for the whole form."""
    beside, general = {}, []
    for messages in errors.values():
        if isinstance(messages, dict):
            for index, texts in messages.items():
                if str(index).isdigit() and int(index) < len(decisions):
                    beside.setdefault(f"decision-{decisions[int(index)]['demande_id']}", []).extend(texts)
                else:
                    general += list(texts)
        else:
            general += list(messages)
    return beside, general


def _day(value: str | None, end: bool = False) -> datetime | None:
    """jj/mm/aaaa -> the start of that day (of the next one for an end), Paris."""
    if not value:
        return None
    day = datetime.strptime(value.strip(), "%d/%m/%Y").date()
    return datetime.combine(day + timedelta(days=1 if end else 0), time(0), tzinfo=PARIS)


@bp.get("/export.csv")
@staff_required
def export(uai):
    administered_etablissement(uai)
    try:
        depuis, jusqu_a = _day(request.args.get("depuis")), _day(request.args.get("jusqu_au"), end=True)
    except ValueError:
        flash(_("Dates attendues au format jj/mm/aaaa."), "error")
        return redirect(url_for("admin_fiche.dossiers", uai=uai))
    result = rpc.call("fiche", "export_acceptees", uai=uai, depuis=depuis.isoformat() if depuis else None,
                      jusqu_a=jusqu_a.isoformat() if jusqu_a else None)
    return Response(result["csv"].encode("utf-8"), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="fiche-modifications-acceptees-{uai}.csv"'})
