"""The templates' `url_for`, its answers kept per application.

A home page builds nine addresses (each child's home page in the header's
menu, the switcher and the side menu, the account page, the logout form):
Werkzeug's builder costs about 20 µs each, 5 % of the page's CPU
(docs/performance.md). An address inside the application depends only on the
endpoint, its values and the script root: the application's rules are fixed
once it serves, and it has no `url_defaults` callbacks (a test below fails if
one is added). Anything else (an external address, an anchor, a method, a
scheme, an endpoint relative to the current blueprint, values that cannot be
a key) goes to Flask's `url_for` each time."""
from flask import current_app, request, url_for

# Bounded: the values of addresses are children's ids, a few per family.
LIMIT = 20_000


def kept_url_for(endpoint: str, **values) -> str:
    if endpoint[:1] == "." or any(name[:1] == "_" for name in values):
        return url_for(endpoint, **values)
    kept = current_app.extensions["kept_urls"]
    try:
        key = (request.script_root, endpoint, *sorted(values.items()))
        return kept[key]
    except KeyError:
        pass
    except TypeError:  # a value that cannot be a key (a list of values)
        return url_for(endpoint, **values)
    address = url_for(endpoint, **values)
    if len(kept) >= LIMIT:
        kept.clear()
    kept[key] = address
    return address


def register(app) -> None:
    app.extensions["kept_urls"] = {}
    app.jinja_env.globals["url_for"] = kept_url_for
