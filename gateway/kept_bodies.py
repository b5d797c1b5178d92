"""Rendered page contents kept per gateway process with the version the
service named them by (docs/performance.md, "The notes and vie scolaire
pages"): the service is asked at every page (it checks the opening and the
child context) with the version kept, and answers the version alone while the
content is the same; the content is then not rendered again.

A key names the child, the viewer (their account, role and, for a student,
whether they are an adult), their previous connection (or, for a content that
leaves a slot for its date, whether they have one: the notes page, kept across
the viewer's logins), the language and what the address asks; the version is
checked against the service's answer for that child, so a kept content never
serves another child or viewer."""
import hashlib
import secrets
import threading
from collections import OrderedDict

from flask import current_app, g, render_template, request, session
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape


class KeptBodies:
    def __init__(self, size: int):
        self.size = size
        self._bodies: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def version(self, key) -> str | None:
        with self._lock:
            kept = self._bodies.get(key)
        return kept[0] if kept else None

    def body(self, key, data: dict, render):
        """The content for the service's answer `data`: the one kept when it
        is {"version"} of the kept content, else `render(data)`, kept. None
        when the answer is a version this process no longer keeps (another
        request replaced it meanwhile): ask again for the whole page."""
        with self._lock:
            kept = self._bodies.get(key)
            if len(data) == 1:
                if kept is None or kept[0] != data["version"]:
                    return None
                self._bodies.move_to_end(key)
                return kept[1]
        body = render(data)
        with self._lock:
            self._bodies[key] = (data["version"], body)
            self._bodies.move_to_end(key)
            while len(self._bodies) > self.size:
                self._bodies.popitem(last=False)
        return body


def viewer_key(current: dict, *asked, since_slot: bool = False) -> tuple:
    """What a child's page content may depend on, on the gateway's side.
    `since_slot`: the content writes the viewer's previous connection as
    `SINCE_SLOT` (`fill` puts it in), so it depends only on whether there was
    one, and is kept across the viewer's logins."""
    viewer = g.viewer
    since = viewer.get("previous_login_at")
    return (current["eleve_id"], current["prenom"], current["nom"], current["eleve_majeur"], viewer["id"],
            viewer["role"], bool(since) if since_slot else since, str(get_locale()), *asked)


def kept_bodies(area: str, size: int) -> KeptBodies:
    """The application's kept contents of an area (one per application, so
    that a test's application starts empty)."""
    store = current_app.extensions.setdefault("kept_bodies", {})
    if area not in store:
        store[area] = KeptBodies(size)
    return store[area]


# Where a framed page's content goes: a comment no template writes and no
# text can spell (text is escaped; the token is drawn per process).
_SLOT = Markup(f"<!--kept-body-{secrets.token_hex(16)}-->")


def frame(template: str, **context) -> str:
    """`template` rendered, with its French typography, around an empty slot
    for its `body`: the layout (header, menus) is rendered while the service
    answers. `fill` puts the content in."""
    return render_template(template, **context, body=_SLOT)


# Where a content kept across logins writes the viewer's previous connection
# (`viewer_key(since_slot=True)`): letters, digits and dashes, which the
# typography pass leaves as they are.
SINCE_SLOT = Markup(f"kept-since-{secrets.token_hex(16)}")


def fill(framed: str, body: Markup, since: str | None = None) -> str:
    """The page: `framed` with `body` (rendered with its own typography, once
    per version) in its slot, not scanned again; `since` (the previous
    connection as the page writes it) in the body's `SINCE_SLOT`."""
    if since is not None:
        body = body.replace(SINCE_SLOT, escape(since))
    return framed.replace(_SLOT, body, 1)


# -- whole pages drawn from the session's cached view alone ---------------------
# Where the CSRF token goes in a kept page (drawn per process like _SLOT): a
# token is never kept, each request puts its own in.
_CSRF_SLOT = f"kept-csrf-{secrets.token_hex(16)}".encode()


class KeptPages:
    """Rendered pages kept per process under a digest of everything they are
    drawn from (`kept_page`), in UTF-8 as they are sent (half the memory of
    the text of a page with one character beyond Latin-1: about 8 KB a
    home page)."""

    def __init__(self, size: int):
        self.size = size
        self._pages: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: bytes) -> bytes | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: bytes, page: bytes) -> None:
        with self._lock:
            self._pages[key] = page
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


def kept_page(template: str, unkeyed: dict | None = None, **context) -> str | bytes:
    """`template` rendered for a page that shows only the viewer's session
    view (read from the view cache, gateway/view_cache.py), the children's
    menus and what the view gives `context`: the home page. Kept per process
    under a digest of the view's cache entries as stored (bytes: the same
    entries give the same view), the menus, the context, the language and
    the links' prefix; only the CSRF token is the request's own. A page with
    a message flashed to it, or whose view came from accounts rather than the
    cache, is rendered and not kept; so is every page with KEPT_PAGES 0
    (SCOLARITE_KEPT_PAGES). docs/performance.md, "The home page kept".

    Nobody logged in: the page is the same for every anonymous visitor (the
    login form). `unkeyed`: what the template is also given that renders the
    same at every request (an empty form: its only own part, the CSRF token,
    is put in per request)."""
    source = g.get("viewer_source")
    if source is None and g.get("viewer") is None:
        source = "anonymous"
    size = current_app.config.get("KEPT_PAGES", 0)
    if source is None or "_flashes" in session or not size:
        return render_template(template, **context, **(unkeyed or {}))
    from gateway.composition import header_menus

    key = hashlib.blake2b(repr((template, source, header_menus(), sorted(context.items()), str(get_locale()),
                                request.script_root)).encode(), digest_size=32).digest()
    pages = current_app.extensions.get("kept_pages")
    if pages is None:
        pages = current_app.extensions.setdefault("kept_pages", KeptPages(size))
    token = generate_csrf()  # the request's, the same wherever the page asks for it
    page = pages.get(key)
    if page is None:
        page = render_template(template, **context, **(unkeyed or {}))
        pages.put(key, page.encode().replace(token.encode(), _CSRF_SLOT))
        return page
    g.page_from = "kept"
    return page.replace(_CSRF_SLOT, token.encode())
