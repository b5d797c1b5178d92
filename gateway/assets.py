"""The DSFR's built files, served from the npm package that `make` installs
(never copied into the repository), and the project's own stylesheet."""
from flask import Blueprint, abort, current_app, send_from_directory

bp = Blueprint("assets", __name__)

# Only what the pages use.
_ALLOWED = ("dsfr.min.css", "dsfr.module.min.js", "dsfr.nomodule.min.js", "utility/utility.min.css",
            "fonts/", "icons/", "favicon/")


@bp.get("/static/dsfr/<path:filename>")
def dsfr(filename):
    if not filename.startswith(_ALLOWED) or ".." in filename:
        abort(404)
    return send_from_directory(current_app.config["DSFR_DIST"], filename, max_age=86400)
