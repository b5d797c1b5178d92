"""Fiche de renseignements (guide § 3.3): the ÉLÈVE tab and the viewer's own
RESPONSABLE tab, each with its MODIFIER form. The fiche service keeps every
rule (which fields, what a value must be, who may edit when); these views ask
it for the child they checked (child_or_404), send the form as typed, and put
its French messages beside the fields. A refused or failed send shows the form
again with everything the person typed."""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from contract.errors import NotFound, NotOpen, Unavailable, ValidationError
from contract.fiche import ModificationsEnAttente
from gateway import rpc
from gateway.filters import de
from gateway.areas.fiche.forms import CsrfForm
from gateway.composition import child_context, compose_menus
from gateway.session import child_or_404, login_required

bp = Blueprint("fiche", __name__, url_prefix="/eleve/<int:eleve_id>/fiche", template_folder="templates")

ONGLETS = ("eleve", "responsable")
# The parts of the two composite fields, as the form names them ("adresse-ligne1").
PARTS = {"naissance": ("pays", "departement", "commune", "ville"),
         "adresse": ("ligne1", "ligne2", "ligne3", "ligne4", "code_postal", "commune", "pays")}
# The fields shown as two radio buttons, oui / non (modifier.html).
YES_NO = ("communication_adresse", "accepte_sms")


def _frame(eleve_id):
    current = child_or_404(eleve_id)
    return current, {"child": current, "menu": compose_menus(g.viewer)[eleve_id]}


def _unavailable(common, title, message, status):
    return render_template("fiche/unavailable.html", **common, title=title, message=message), status


def _load(eleve_id):
    """(child, page frame, the fiche's data) or a finished response."""
    current, common = _frame(eleve_id)
    # This area is registered only where the fiche is deployed (gateway/areas/__init__.py).
    try:
        data = rpc.call("fiche", "fiche", child=child_context(g.viewer, current))
    except NotOpen as exc:
        return None, common, _unavailable(common, _("Fiche de renseignements non ouverte"), str(exc) or _(
            "L'établissement n'a pas ouvert la fiche de renseignements en ligne."), 404)
    except NotFound:
        return None, common, _unavailable(common, _("Fiche de renseignements pas encore disponible"), _(
            "La fiche de renseignements %(de_prenom)s n'a pas encore été transmise par son établissement. "
            "Pour toute question, contactez son secrétariat.", de_prenom=de(current["prenom"])), 404)
    except Unavailable:
        return None, common, _unavailable(common, _("Fiche de renseignements momentanément indisponible"), _(
            "La fiche de renseignements est momentanément indisponible. Réessayez dans quelques instants."), 503)
    return data, common, None


@bp.get("/", defaults={"onglet": "eleve"})
@bp.get("/<onglet>")
@login_required
def show(eleve_id, onglet):
    if onglet not in ONGLETS:
        abort(404)
    data, common, failed = _load(eleve_id)
    if failed:
        return failed
    if onglet == "responsable" and data["responsable"] is None:
        abort(404)
    return render_template("fiche/fiche.html", **common, data=data, onglet=onglet)


def _typed(onglet: str, fields: list[str]) -> dict:
    """The form as typed, in the shape the fiche service takes."""
    changes = {}
    for name in fields:
        if name in PARTS:
            value = {part: request.form.get(f"{name}-{part}", "") for part in PARTS[name]}
            if name == "adresse" and onglet == "eleve":
                value["identique_rl1"] = "oui" if request.form.get("adresse-identique_rl1") else "non"
            changes[name] = value
        else:
            changes[name] = request.form.get(name, "")
    return changes


def _prefill(tab: dict) -> dict:
    """What the form shows first: the pending value of a field if any (the
    person goes on from there), else the record's."""
    return {c["champ"]: (c["en_attente"]["valeur"] if c["en_attente"] else c["valeur"]) for c in tab["champs"]}


def _summarised(form: CsrfForm, tab: dict, errors: dict, general: list) -> None:
    """The error summary at the top of the form: each message linking to its
    input (a group to its first input) and named by its field's label."""
    labels, anchors = {}, {}
    for c in tab["champs"]:
        labels[c["champ"]] = c["libelle"]
        if c["champ"] in PARTS:
            anchors[c["champ"]] = f"{c['champ']}-{PARTS[c['champ']][0]}"
            labels.update({f"{c['champ']}-{part}": c["libelle"] for part in (*PARTS[c["champ"]], "identique_rl1")})
        elif c["champ"] in YES_NO:
            anchors[c["champ"]] = f"{c['champ']}-oui"
    form.form_errors.extend(general)
    form.add_input_errors(errors, anchors, labels)


def _errors(errors: dict) -> tuple[dict, list]:
    """The service's messages by form input ("adresse.code_postal" beside
    "adresse-code_postal"), and those for the whole form."""
    by_input, general = {}, []
    for key, messages in errors.items():
        flat = [m for m in messages] if isinstance(messages, list) else [str(messages)]
        if key in ("_", "cible"):
            general += flat
        else:
            by_input.setdefault(key.replace(".", "-"), []).extend(flat)
    return by_input, general


@bp.route("/<onglet>/modifier", methods=["GET", "POST"])
@login_required
def edit(eleve_id, onglet):
    if onglet not in ONGLETS:
        abort(404)
    data, common, failed = _load(eleve_id)
    if failed:
        return failed
    tab = data[onglet]
    if tab is None:
        abort(404)
    form = CsrfForm()
    fields = [c["champ"] for c in tab["champs"]]
    values, errors, general, status = _prefill(tab), {}, [], 200
    if onglet == "eleve" and not tab["peut_modifier"]:
        general = [tab["verrou"]]
    if request.method == "POST":
        changes = _typed(onglet, fields)
        values = changes
        if not form.validate():
            # The CSRF token refused (the page expired), or too many requests
            # from this address (the form's own message).
            if form.csrf_token.errors:
                form.csrf_token.errors = []
                form.form_errors.append(_("La page a expiré : vos saisies sont conservées, envoyez-les à nouveau."))
            status = 400
        else:
            try:
                report = rpc.call("fiche", "submit_changes", child=child_context(g.viewer, common["child"]),
                                  onglet=onglet, changes=changes)
            except ValidationError as exc:
                errors, general = _errors(exc.errors)
                _summarised(form, tab, errors, general)
                general, status = [], 400
            except ModificationsEnAttente as exc:
                _summarised(form, tab, {}, [str(exc)])
                status = 409
            except Unavailable:
                general, status = [_("La fiche de renseignements n'a pas répondu : nous ne savons pas si vos "
                                     "modifications ont été enregistrées. Vos saisies sont conservées ci-dessous ; "
                                     "vérifiez la fiche dans quelques instants avant de les envoyer à nouveau.")], 503
            else:
                if report["enregistrees"] or report["retirees"]:
                    flash(_("Vos modifications sont transmises à l'établissement. Elles restent « en attente » "
                            "jusqu'à sa décision ; vous recevrez un courriel de confirmation."), "success")
                else:
                    flash(_("Aucune modification : la fiche est inchangée."), "info")
                return redirect(url_for("fiche.show", eleve_id=eleve_id, onglet=onglet))
    return render_template("fiche/modifier.html", **common, data=data, tab=tab, onglet=onglet, form=form,
                           values=values, errors=errors, general=general), status
