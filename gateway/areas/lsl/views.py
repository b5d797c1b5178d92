"""Livret scolaire du lycée (guide § 3.2, FAQ "LSL"): the service's home with a
tile per part that has data, the four parts, the family's requests to the
head and the final livret as a PDF. The LSL service decides what is shown and
who may ask; these views only ask it for the child they checked
(child_or_404), lay out the answer and carry the forms."""
import base64

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from contract.errors import Forbidden, NotFound, NotOpen, Unavailable, ValidationError
from contract.lsl import AccessEnded
from gateway import rpc
from gateway.filters import de
from gateway.areas.lsl.forms import OppositionForm, RectificationForm
from gateway.composition import child_context, compose_menus
from gateway.kept_bodies import kept_bodies, viewer_key
from gateway.session import child_or_404, login_required

bp = Blueprint("lsl", __name__, url_prefix="/eleve/<int:eleve_id>/lsl", template_folder="templates")

# Rendered Enseignements contents (about 15 KB each) kept per process with
# their version: see gateway/kept_bodies.py.
ENSEIGNEMENTS_KEPT = 200

PARTS = {"enseignements": _l("Enseignements"), "engagements": _l("Engagements / investissements"),
         "avis_examen": _l("Avis examen"), "scolarite": _l("Scolarité")}


@bp.app_template_filter("lsl_num")
def lsl_num(value):
    """11.4 -> "11,40": averages and shares as the paper livret prints them."""
    if value is None:
        return "–"
    return f"{float(value):.2f}".replace(".", ",")


@bp.app_template_filter("lsl_pct")
def lsl_pct(value):
    """33.33 -> "33,33 %" with the non-breaking space French typography wants."""
    return f"{lsl_num(value)}\u00a0%"


def _bodies():
    return kept_bodies("lsl", ENSEIGNEMENTS_KEPT)


def _common(eleve_id):
    # This area is registered only where lsl is deployed (gateway/areas/__init__.py).
    return child_or_404(eleve_id)


def _frame(current, eleve_id):
    return {"child": current, "menu": compose_menus(g.viewer)[eleve_id]}


def _closed(current, exc, frame):
    if isinstance(exc, AccessEnded):
        return render_template("lsl/unavailable.html", **frame, title=_("Livret scolaire fermé"), message=_(
            "Le livret scolaire %(de_prenom)s n'est plus consultable : il l'était jusqu'au %(date)s, "
            "5 mois après sa sortie de l'établissement.", de_prenom=de(current["prenom"]), date=_frdate(exc.args[0]))), 404
    return render_template("lsl/unavailable.html", **frame, title=_("Livret scolaire non disponible"), message=_(
        "Le livret scolaire du lycée %(de_prenom)s n'est pas consultable en ligne : l'établissement n'a pas ouvert "
        "ce service, ou le livret n'est pas encore créé. Pour toute question, contactez son secrétariat.",
        de_prenom=de(current["prenom"]))), 404


def _frdate(iso: str) -> str:
    return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}"


def _call(current, method, **kwargs):
    """The service's answer, or the page saying why there is none."""
    frame = _frame(current, current["eleve_id"])
    try:
        return rpc.call("lsl", method, child=child_context(g.viewer, current), **kwargs), frame, None
    except NotOpen as exc:
        return None, frame, _closed(current, exc, frame)
    except Unavailable:
        return None, frame, (render_template("lsl/unavailable.html", **frame,
                                             title=_("Livret scolaire momentanément indisponible"), message=_(
            "Le livret scolaire est momentanément indisponible. Réessayez dans quelques instants.")), 503)


def _part(eleve_id, method, template, active):
    current = _common(eleve_id)
    data, frame, page = _call(current, method)
    if page is not None:
        return page
    return render_template(template, **frame, data=data, part=active)


@bp.get("/")
@login_required
def home(eleve_id):
    current = _common(eleve_id)
    data, frame, page = _call(current, "home")
    if page is not None:
        return page
    return render_template("lsl/home.html", **frame, data=data, parts=PARTS)


@bp.get("/enseignements")
@login_required
def enseignements(eleve_id):
    current = _common(eleve_id)
    annee = request.args.get("annee", type=int)
    # The page's content as rendered last for this child, viewer and year,
    # with the version the service gave it: the service is asked each time
    # (it checks access), and answers only the version while it is the same.
    key = viewer_key(current, annee)

    def render(answer):
        return Markup(render_template("lsl/_enseignements_body.html", child=current, data=answer))

    try:
        data, frame, page = _call(current, "enseignements", annee=annee, known_version=_bodies().version(key))
        if page is None:
            body = _bodies().body(key, data, render)
            if body is None:
                # The version answered is no longer kept here: the whole page, once more.
                data, frame, page = _call(current, "enseignements", annee=annee)
                body = _bodies().body(key, data, render) if page is None else None
    except (NotFound, ValidationError):
        abort(404)
    if page is not None:
        return page
    return render_template("lsl/enseignements.html", **frame, body=body, part="enseignements")


@bp.get("/engagements")
@login_required
def engagements(eleve_id):
    return _part(eleve_id, "engagements", "lsl/engagements.html", "engagements")


@bp.get("/scolarite")
@login_required
def scolarite(eleve_id):
    return _part(eleve_id, "scolarite", "lsl/scolarite.html", "scolarite")


@bp.get("/avis-examen")
@login_required
def avis_examen(eleve_id):
    current = _common(eleve_id)
    try:
        data, frame, page = _call(current, "avis_examen")
    except NotFound:
        abort(404)
    if page is not None:
        return page
    return render_template("lsl/avis_examen.html", **frame, data=data, part="avis_examen")


@bp.get("/livret-definitif.pdf")
@login_required
def final_livret(eleve_id):
    current = _common(eleve_id)
    try:
        data, _frame_, page = _call(current, "final_livret")
    except NotFound:
        abort(404)
    if page is not None:
        return page
    return Response(base64.b64decode(data["pdf"]), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{data["filename"]}"'})


def _request(eleve_id, kind, form_class, template):
    current = _common(eleve_id)
    form = form_class()
    home_data, frame, page = _call(current, "home")
    if page is not None and page[1] == 503 and request.method == "POST":
        # The service is down: the form comes back with what was typed, nothing claimed.
        if kind == "rectification":
            form.partie.choices = [(form.partie.data or "", form.partie.data or _("Choisissez une partie"))]
        return render_template(template, **frame, form=form, data={"peut_demander": True}, kind=kind, alert=_(
            "Le livret scolaire est momentanément indisponible : votre demande n'a pas été envoyée. "
            "Votre saisie est conservée ci-dessous ; réessayez dans quelques instants.")), 503
    if page is not None:
        return page
    if kind == "rectification":
        form.partie.choices = [("", _("Choisissez une partie"))] + [(p["code"], p["libelle"])
                                                                   for p in home_data["parties"]]
    context = {**frame, "form": form, "data": home_data, "kind": kind}
    if not home_data["peut_demander"]:
        return render_template(template, **context), 403
    if form.validate_on_submit():
        demande = {"type": kind, "commentaire": form.commentaire.data or ""}
        if kind == "rectification":
            demande.update(partie=form.partie.data, objet=form.objet.data)
        auteur = {"prenom": g.viewer["prenom"], "nom": g.viewer["nom"],
                  "email": g.viewer["email"] if g.viewer.get("email_confirmed") else None}
        try:
            rpc.call("lsl", "request", child=child_context(g.viewer, current), demande=demande, auteur=auteur)
        except ValidationError as exc:
            form.apply_remote_errors(exc.errors)
        except Forbidden as exc:
            form.apply_remote_errors({"_": [exc.args[0] if exc.args else _("Vous ne pouvez pas faire cette demande.")]})
        except NotOpen as exc:
            return _closed(current, exc, frame)
        except Unavailable:
            # The service may have recorded it before the answer was lost: say so,
            # and keep what was typed.
            return render_template(template, **context, alert=_(
                "Le livret scolaire n'a pas répondu : nous ne savons pas si votre demande a été enregistrée. "
                "Vérifiez la liste de vos demandes avant de la renvoyer ; votre saisie est conservée ci-dessous.")), 503
        else:
            flash(_("Votre demande est enregistrée et transmise au chef d'établissement. Vous recevrez un "
                    "courriel lorsqu'elle aura été traitée."), "success")
            return redirect(url_for("lsl.home", eleve_id=eleve_id))
    return render_template(template, **context), 400 if form.errors or form.form_errors else 200


@bp.route("/demande/rectification", methods=["GET", "POST"])
@login_required
def rectification(eleve_id):
    return _request(eleve_id, "rectification", RectificationForm, "lsl/demande.html")


@bp.route("/demande/opposition", methods=["GET", "POST"])
@login_required
def opposition(eleve_id):
    return _request(eleve_id, "opposition", OppositionForm, "lsl/demande.html")
