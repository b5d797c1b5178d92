"""Rendered page contents kept per gateway process with the version the
service named them by (docs/performance.md, "The notes and vie scolaire
pages"): the service is asked at every page (it checks the opening and the
child context) with the version kept, and answers the version alone while the
content is the same; the content is then not rendered again.

A key names the child, the viewer (their account, role and, for a student,
whether they are an adult), their previous connection, the language and what
the address asks; the version is checked against the service's answer for
that child, so a kept content never serves another child or viewer."""
import secrets
import threading
from collections import OrderedDict

from flask import current_app, g, render_template
from flask_babel import get_locale
from markupsafe import Markup


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


def viewer_key(current: dict, *asked) -> tuple:
    """What a child's page content may depend on, on the gateway's side."""
    viewer = g.viewer
    return (current["eleve_id"], current["prenom"], current["nom"], current["eleve_majeur"], viewer["id"],
            viewer["role"], viewer.get("previous_login_at"), str(get_locale()), *asked)


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


def fill(framed: str, body: Markup) -> str:
    """The page: `framed` with `body` (rendered with its own typography, once
    per version) in its slot, not scanned again."""
    return framed.replace(_SLOT, body, 1)
