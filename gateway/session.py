"""Who is logged in: the accounts service holds the sessions; the browser's
signed cookie carries only the opaque session token (and the CSRF token)."""
from functools import wraps

from flask import abort, g, redirect, request, session, url_for

from contract.accounts import SessionExpired
from contract.errors import NotFound
from contract.etablissement import is_uai
from gateway import rpc

TOKEN = "t"


def load_viewer(with_tiles: bool = False) -> dict | None:
    if "viewer" in g:
        return g.viewer
    g.viewer = None
    token = session.get(TOKEN)
    if token:
        try:
            g.viewer = rpc.call("accounts", "get_session", token=token, with_tiles=with_tiles)
        except SessionExpired:
            session.pop(TOKEN, None)
    return g.viewer


def start_session(token: str) -> None:
    """A fresh cookie (and CSRF token) for every new session."""
    session.clear()
    session[TOKEN] = token


def login_required(view):
    """The viewer must be logged in, past the first connection, and (a
    guardian) have confirmed their address: until then a guardian reaches no
    service, only the "Vérification mail" page (guide § 2.2.1)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        viewer = load_viewer(with_tiles=getattr(view, "wants_tiles", False))
        if viewer is None:
            return redirect(url_for("auth.login", suivant=request.full_path if request.method == "GET" else None))
        if viewer["must_change_password"]:
            return redirect(url_for("auth.first_connection"))
        if viewer.get("must_confirm_email"):
            return redirect(url_for("auth.verify_email"))
        return view(*args, **kwargs)

    return wrapper


def with_tiles(view):
    """The page shows home tiles: they come with the session, in the same call."""
    view.wants_tiles = True
    return view


def child_or_404(eleve_id: int) -> dict:
    """The authorization check of every route that names a child: a guardian
    reaches only their own children, a student only themself. Another child is
    answered exactly like a child that does not exist, and so is a former
    student on a page of a service that does not serve them."""
    for child in g.viewer["children"]:
        if child["eleve_id"] == eleve_id:
            if child.get("sorti_le") and not _serves_former_student(child):
                abort(404)
            return child
    abort(404)


def _serves_former_student(child: dict) -> bool:
    """A student who left the académie is reached only on their home page and
    through the services whose entry their menu has (the service decides:
    common.contract's `serves_former_students`)."""
    if request.blueprint == "home":
        return True
    from gateway.composition import compose_menus

    entries = compose_menus(g.viewer).get(child["eleve_id"], [])
    return any(e["service"] == request.blueprint and not e["unavailable"] for e in entries)


def staff_required(view):
    """Establishment staff (scoped to `g.viewer["etablissement_uai"]`) or
    académie operators (every establishment). Families get a 404."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if g.viewer["role"] not in ("staff", "operator"):
            abort(404)
        return view(*args, **kwargs)

    return wrapper


def may_administer(uai: str) -> bool:
    """Staff administer their own establishment only; operators every one."""
    return g.viewer["role"] == "operator" or (g.viewer["role"] == "staff" and g.viewer["etablissement_uai"] == uai)


def administered_etablissement(uai: str) -> dict:
    """The establishment `uai` if the viewer administers it; a 404 otherwise
    (another establishment's pages answer as if they did not exist)."""
    if not is_uai(uai) or not may_administer(uai):
        abort(404)
    try:
        return rpc.call("accounts", "get_etablissement", uai=uai)
    except NotFound:
        abort(404)
