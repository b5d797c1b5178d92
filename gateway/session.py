"""Who is logged in: the accounts service holds the sessions; the browser's
signed cookie carries only the opaque session token, the account's id (to
find its cached view) and the CSRF token. The view is read from the shared
cache when accounts has changed nothing of it since (gateway/view_cache.py),
else asked of accounts."""
from functools import wraps

from flask import abort, current_app, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from contract.accounts import SessionExpired
from contract.errors import NotFound
from contract.etablissement import is_uai
from gateway import rpc
from gateway.view_cache import view_cache

TOKEN = "t"
ACCOUNT = "a"


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie, with its serializer made once per secret key
    rather than at every request (making one serializes a test value and
    builds its signer). The cookie, its signature and its checks are Flask's."""

    def __init__(self):
        self._serializers = {}

    def get_signing_serializer(self, app):
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(key)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            if serializer is not None:
                self._serializers = {key: serializer}
        return serializer


def load_viewer(with_tiles: bool = False) -> dict | None:
    if "viewer" in g:
        return g.viewer
    g.viewer = None
    token = session.get(TOKEN)
    if token:
        cache = view_cache(current_app.config.get("VIEW_CACHE"))
        account_id = session.get(ACCOUNT)
        generations = None
        if cache is not None and account_id is not None:
            now = current_app.config["CLOCK"].now().timestamp()
            found = cache.lookup(token, account_id, with_tiles, now)
            if found.view is not None:
                g.viewer, g.viewer_from, g.viewer_source = found.view, "cache", found.source
                return g.viewer
            generations = found.generations
        try:
            g.viewer = rpc.call("accounts", "get_session", token=token, with_tiles=with_tiles)
            g.viewer_from = "accounts"
        except SessionExpired:
            session.pop(TOKEN, None)
            session.pop(ACCOUNT, None)
            return None
        if account_id != g.viewer["id"]:
            session[ACCOUNT] = g.viewer["id"]
        elif cache is not None:
            cache.store(token, g.viewer, with_tiles, generations, current_app.config["CLOCK"].now().timestamp())
    return g.viewer


def start_session(token: str, account_id: int | None = None, answer: dict | None = None) -> None:
    """A fresh cookie (and CSRF token) for every new session. `answer`: the
    login's, whose view and tiles (when accounts gave them, with the counters
    they stand for) are kept for the first pages."""
    session.clear()
    session[TOKEN] = token
    if account_id is not None:
        session[ACCOUNT] = account_id
    if answer and answer.get("view") is not None and answer.get("generations") is not None:
        cache = view_cache(current_app.config.get("VIEW_CACHE"))
        if cache is not None:
            cache.store(token, answer["view"], True, answer["generations"],
                        current_app.config["CLOCK"].now().timestamp())


def end_session(token: str) -> None:
    """This browser's session ended (logout): its cached view goes too."""
    cache = view_cache(current_app.config.get("VIEW_CACHE"))
    if cache is not None:
        cache.forget(token)


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


def home_address(viewer: dict) -> str:
    """Where `/` leads a viewer: staff and operators to the administration,
    a family to their first child's home page; `/` itself (the page that says
    no child is attached) otherwise. The login sends there at once, saving
    the detour through `/`."""
    if viewer["role"] in ("staff", "operator"):
        return url_for("admin.index")
    if viewer["children"]:
        return url_for("home.child", eleve_id=viewer["children"][0]["eleve_id"])
    return url_for("home.index")


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
    common.contract's `former_students_months`)."""
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


def operator_required(view):
    """The académie's operators only; anybody else gets a 404."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if g.viewer["role"] != "operator":
            abort(404)
        return view(*args, **kwargs)

    return wrapper


def may_administer(uai: str, domaine: str = "etablissement") -> bool:
    """Staff administer their own establishment only, operators every one; in
    the domains accounts gives the viewer (`domaines`: a CPE has vie scolaire
    only, accounts' rules.FONCTIONS)."""
    if domaine not in g.viewer.get("domaines", ()):
        return False
    return g.viewer["role"] == "operator" or (g.viewer["role"] == "staff" and g.viewer["etablissement_uai"] == uai)


def administered_etablissement(uai: str, domaine: str = "etablissement") -> dict:
    """The establishment `uai` if the viewer administers it in `domaine`; a 404
    otherwise (another establishment's pages answer as if they did not exist)."""
    if not is_uai(uai) or not may_administer(uai, domaine):
        abort(404)
    try:
        return rpc.call("accounts", "get_etablissement", uai=uai)
    except NotFound:
        abort(404)
