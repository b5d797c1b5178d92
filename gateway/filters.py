"""How dates, times, numbers and names are written to people: French
typography (common/typography.py, shared with the mails and PDFs): "27/11/2026",
"19 h 08", "12,5", "d'Éloïse", "Née le", no-break spaces before « : ; ? ! ».
Templates use them as filters (frdate, frdatetime, frtime, frnum, de, born);
every page the gateway renders gets its no-break spaces from `SpacedTemplate`,
so no template has to think of them."""
import weakref

from flask import g
from flask_babel import get_translations
from jinja2 import Template, pass_eval_context
from markupsafe import Markup

from common.typography import (  # noqa: F401 (re-exported for the gateway's Python code)
    born, de, elide, french_date, french_datetime, french_number, french_time, spaced, spaced_html,
)


class SpacedTemplate(Template):
    """A page's text gets its no-break spaces once rendered (tags, attributes and
    form fields untouched)."""

    def render(self, *args, **kwargs) -> str:
        return spaced_html(super().render(*args, **kwargs))


def _translations():
    """Flask-Babel's translations, looked up once per request rather than for
    every string of the page (a notes page has a few hundred)."""
    try:
        return g._translations
    except AttributeError:
        g._translations = get_translations()
        return g._translations


# Per translations object (Flask-Babel keeps one per locale for the process):
# {(string, autoescape): the translated string as templates use it} and
# {(string, autoescape, None): the same once formatted without variables}.
_catalogs = weakref.WeakKeyDictionary()


def _catalog() -> dict:
    try:
        return g._catalog
    except AttributeError:
        translations = _translations()
        catalog = _catalogs.get(translations)
        if catalog is None:
            catalog = _catalogs.setdefault(translations, {})
        g._catalog = catalog
        return catalog


@pass_eval_context
def gettext(eval_ctx, string: str, **variables):
    """Templates' `_("…")`: what Jinja's newstyle gettext does (the translated
    string as Markup where the template escapes, always %-formatted with the
    variables), in one call instead of three, its results kept per locale: a
    page's layout alone says about 35 strings (docs/performance.md)."""
    catalog = _catalog()
    if not variables:
        key = (string, eval_ctx.autoescape, None)
        try:
            return catalog[key]
        except KeyError:
            pass
    try:
        translated = catalog[string, eval_ctx.autoescape]
    except KeyError:
        translated = _translations().ugettext(string)
        if eval_ctx.autoescape:
            translated = Markup(translated)
        catalog[string, eval_ctx.autoescape] = translated
    if variables:
        return translated % variables
    catalog[key] = formatted = translated % variables
    return formatted


def register(app) -> None:
    """After Flask-Babel's init_app (it installs its own gettext callables)."""
    app.jinja_env.template_class = SpacedTemplate
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True)
    # Jinja's `_` looks `gettext` up at each call, which wraps the one above:
    # both are this module's one-call `gettext` instead.
    app.jinja_env.globals.update(_=gettext, gettext=gettext)
    app.add_template_filter(french_date, "frdate")
    app.add_template_filter(french_datetime, "frdatetime")
    app.add_template_filter(french_time, "frtime")
    app.add_template_filter(french_number, "frnum")
    app.add_template_filter(de, "de")
    app.add_template_filter(born, "born")
