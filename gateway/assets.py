"""The pages' stylesheet and script, light and cached for good (docs/ui.md).

The DSFR comes from the npm package that `make` installs (never copied into
the repository). Its full stylesheet and utility classes weigh about 1.2 MB;
the pages use a fraction of them. `build` makes, from the templates
themselves:

- one stylesheet: the DSFR core, the dark scheme, the components whose
  classes the templates use (each with the components its README says it
  needs, in that order), the rules of the icons the templates name (picked
  from dist/utility/icons/ instead of utility.min.css), less every selector
  that names a class neither the templates nor the script write (`purge`),
  and the project's own gateway/static/theme.css;
- one script: the DSFR core's and those of the components chosen above (not
  the 20 of the whole DSFR), then the pages' own few lines
  (gateway/static/page.js: the error summary takes the focus);
- the fonts, icons and favicon those files point to, under a folder named by
  the DSFR version;

each with its content's hash in its name and pre-compressed beside it (gzip
and brotli). WhiteNoise (pinned in requirements.txt) serves that folder under
/static/build/, the encoding the browser accepts, with a one-year `immutable`
cache lifetime: a new build has new names.

`build` runs at the gateway's start (a second, after a `make` or a DSFR
upgrade; a few milliseconds otherwise: nothing is rewritten when the hashes
are unchanged) and from `python -m gateway.assets` (make setup).
"""
import gzip
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from functools import cache
from pathlib import Path

import brotli
import tinycss2
from flask import Blueprint, abort, current_app, send_from_directory
from whitenoise import WhiteNoise

GATEWAY = Path(__file__).resolve().parent
TEMPLATE_DIRS = [GATEWAY / "templates", *sorted(GATEWAY.glob("areas/*/templates"))]
THEME = GATEWAY / "static" / "theme.css"
PAGE_SCRIPT = GATEWAY / "static" / "page.js"
URL_PREFIX = "/static/build/"
ONE_YEAR = 365 * 24 * 3600
COMPRESSED = (".css", ".js", ".svg")

bp = Blueprint("assets", __name__)

# The former addresses of the DSFR files (bookmarked pages, another build): still served.
_ALLOWED = ("dsfr.min.css", "dsfr.module.min.js", "dsfr.nomodule.min.js", "utility/utility.min.css",
            "fonts/", "icons/", "favicon/")


@bp.get("/static/dsfr/<path:filename>")
def dsfr(filename):
    if not filename.startswith(_ALLOWED) or ".." in filename:
        abort(404)
    return send_from_directory(current_app.config["DSFR_DIST"], filename, max_age=86400)


# -- which DSFR parts the templates use ---------------------------------------
_CLASS = re.compile(r"\bfr-[a-z0-9]+(?:-[a-z0-9]+)*(?:__[a-z0-9-]+)?(?:--[a-z0-9-]+)?")
_LINK = re.compile(r'<link href="css/([a-z-]+)/\1\.min\.css"')


def used_classes(template_dirs=None) -> set[str]:
    """Every `fr-...` class name written in the gateway's templates."""
    found = set()
    for folder in template_dirs or TEMPLATE_DIRS:
        for path in folder.rglob("*.html"):
            found.update(_CLASS.findall(path.read_text(encoding="utf-8")))
    return found


def _starts_a_selector(css: str, name: str) -> bool:
    return re.search(rf"(?:^|[}},])\.{re.escape(name)}(?![a-z0-9_-])", css) is not None


def _dependencies(dist: Path, package: str) -> list[str]:
    """The packages a component needs, in the order its README links them (itself last)."""
    readme = dist / "component" / package / "README.md"
    linked = _LINK.findall(readme.read_text(encoding="utf-8")) if readme.exists() else []
    return [p for p in linked if p != "core" and (dist / "component" / p).is_dir()] or [package]


_ALIASES = {"btn": "button", "btns": "button", "skiplinks": "skiplink", "tabs": "tab", "links": "link",
            "tags": "tag"}


def _block(name: str) -> str:
    """"fr-input-group--error" -> "input", "fr-btns-group" -> "button"."""
    block = re.split(r"-|__", name[3:], maxsplit=1)[0]
    return _ALIASES.get(block, block)


def components(dist: Path, classes: set[str]) -> list[str]:
    """The DSFR components the classes name ("fr-tile__title": tile), then, for a
    class no such component defines and the core does not either ("fr-hint-text"),
    every component whose rules start with it unless one already chosen does;
    with their dependencies, dependencies first."""
    folders = {p.name: p / f"{p.name}.min.css" for p in (dist / "component").iterdir()
               if (p / f"{p.name}.min.css").exists()}
    css = {name: path.read_text(encoding="utf-8") for name, path in folders.items()}
    core = (dist / "core" / "core.min.css").read_text(encoding="utf-8")
    chosen = {_block(c) for c in classes if _block(c) in css and _starts_a_selector(css[_block(c)], c)}
    for name in sorted(classes):
        if _block(name) in chosen or _starts_a_selector(core, name):
            continue
        homes = {package for package, text in css.items() if _starts_a_selector(text, name)}
        if homes and not homes & chosen:
            chosen |= homes
    ordered = []
    for package in sorted(chosen):
        for dependency in _dependencies(dist, package):
            if dependency not in ordered:
                ordered.append(dependency)
    return ordered


def _top_level_rules(css: str):
    """(selector, body) of the rules outside any @-block of a minified stylesheet."""
    depth, start = 0, 0
    for i, char in enumerate(css):
        if char == "{":
            if depth == 0:
                selector, body_start = css[start:i], i + 1
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                if not selector.lstrip().startswith("@"):
                    yield selector, css[body_start:i]
                start = i + 1


def icon_rules(dist: Path, classes: set[str]) -> list[tuple[Path, str]]:
    """The rules of the icons `classes` name, each with the stylesheet it comes from."""
    icons = {c for c in classes if c.startswith(("fr-icon-", "fr-fi-"))}
    out = []
    for css_file in sorted((dist / "utility" / "icons").glob("icons-*/icons-*[a-z].min.css")):
        if ".main." in css_file.name or ".legacy." in css_file.name or ".print." in css_file.name:
            continue
        for selector, body in _top_level_rules(_strip_comments(css_file.read_text(encoding="utf-8"))):
            names = set(re.findall(r"\.(fr-(?:icon|fi)-[a-z0-9-]+)", selector))
            if names & icons:
                out.append((css_file, f"{selector}{{{body}}}"))
    return out


def _strip_comments(css: str) -> str:
    return re.sub(r"/\*.*?\*/", "", css, flags=re.S)


# -- what the pages never use: the selectors naming a class nobody writes ------
# A phone parses the stylesheet and matches its rules against every element
# before the first paint, and again when the script marks the page: the
# components' variants the templates never write (fr-btn--secondary,
# fr-tag--dismiss...) cost it time for nothing (Lighthouse's "unused CSS").
_JINJA_IN_CLASS = re.compile(r"fr-[a-z0-9_-]*(?:\{\{[^}]*\}\}[a-z0-9_-]*)+")
_JS_WORD = re.compile(r"[a-z][a-z0-9]*(?:(?:-|--|__)[a-z0-9]+)*")
_JS_STRING = re.compile(r'"([^"\\\n]*)"|`([^`]*)`|\'([^\'\\\n]*)\'')
_SELECTOR_CLASS = re.compile(r"\.(fr-[a-zA-Z0-9_-]+)")


def class_patterns(template_dirs=None) -> list[re.Pattern]:
    """Classes a template glues together (`fr-alert--{{ category }}`): each
    expression stands for any name; such a class is kept whatever follows."""
    found = set()
    for folder in template_dirs or TEMPLATE_DIRS:
        for path in folder.rglob("*.html"):
            found.update(_JINJA_IN_CLASS.findall(path.read_text(encoding="utf-8")))
    return [re.compile("".join("[a-z0-9_-]*" if part.startswith("{{") else re.escape(part)
                               for part in re.split(r"(\{\{[^}]*\}\})", text)) + "$") for text in sorted(found)]


def script_classes(script: str) -> tuple[set[str], set[str]]:
    """The classes the DSFR script may add: every word of its strings as a class
    (`ns("collapsing")`: fr-collapsing) and as a modifier of any block (a
    disclosure's state, `${block}--${state}`: fr-collapse--expanded)."""
    words = set()
    for groups in _JS_STRING.findall(script):
        for text in groups:
            words.update(_JS_WORD.findall(text))
    return {f"fr-{w}" for w in words}, words


def _selectors(prelude: str) -> list[str]:
    """A rule's selector list split at its top-level commas."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(prelude):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(prelude[start:i])
            start = i + 1
    parts.append(prelude[start:])
    return [p.strip() for p in parts]


def _required(selector: str) -> set[str]:
    """The classes an element must have for `selector` to match it: those
    outside parentheses (`:not(.fr-x)` matches without fr-x)."""
    depth, outside = 0, []
    for char in selector:
        depth += char == "("
        outside.append(char if depth == 0 else " ")
        depth -= char == ")"
    return set(_SELECTOR_CLASS.findall("".join(outside)))


def purge(css: str, kept) -> str:
    """`css` less the selectors requiring a class for which `kept(name)` is false,
    and less the rules left without selector; @media and @supports blocks are
    purged inside, other at-rules (@font-face, @keyframes) kept whole."""
    def rules(nodes) -> list[str]:
        out = []
        for node in nodes:
            if node.type == "qualified-rule":
                selectors = [s for s in _selectors(tinycss2.serialize(node.prelude))
                             if all(kept(name) for name in _required(s))]
                if selectors:
                    out.append(",".join(selectors) + "{" + tinycss2.serialize(node.content) + "}")
            elif node.type == "at-rule" and node.lower_at_keyword in ("media", "supports") and node.content:
                inner = rules(tinycss2.parse_rule_list(node.content, skip_comments=True, skip_whitespace=True))
                if inner:
                    out.append(f"@{node.at_keyword}{tinycss2.serialize(node.prelude)}{{{''.join(inner)}}}")
            elif node.type == "at-rule":
                out.append(tinycss2.serialize([node]))
            elif node.type == "error":
                raise ValueError(f"unreadable CSS at line {node.source_line}: {node.message}")
        return out
    return "".join(rules(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)))


def keeper(classes: set[str], patterns: list[re.Pattern], script: str):
    """kept(name): a class the templates write, glue or the script adds."""
    from_script, states = script_classes(script)
    names = classes | from_script

    def kept(name: str) -> bool:
        if name in names or any(p.match(name) for p in patterns):
            return True
        return "--" in name and name.rsplit("--", 1)[1] in states
    return kept


def _purged(out: Path, css: str, kept_key: str, kept) -> str:
    """`purge`, remembered under out/.purged/ by its input (a second at each
    build otherwise; a gateway builds at every start)."""
    # This module's own text is part of the key: a change to `purge` purges anew.
    code = Path(__file__).read_bytes()
    key = hashlib.sha256((css + "\0" + kept_key).encode() + b"\0" + code).hexdigest()[:24]
    memo = out / ".purged" / f"{key}.css"
    if memo.exists():
        return memo.read_text(encoding="utf-8")
    result = purge(css, kept)
    memo.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(memo, result.encode())
    return result


# -- fonts: the characters French pages use, the rest only when needed ---------
# Latin-1, Œ œ Ÿ, general punctuation (dashes, quotes, no-break spaces, "…"),
# €, arrows, ≤ ≥, without the TrueType hinting instructions (screens of phones
# and recent computers smooth outlines without them): each Marianne weight
# goes from 58 kB to about 14 kB.
LATIN = ([(0x20, 0x7E), (0xA0, 0xFF), (0x152, 0x153), (0x178, 0x178), (0x2000, 0x206F), (0x20AC, 0x20AC),
          (0x2190, 0x2199), (0x2264, 0x2265)])
_FONT_FACE = re.compile(r"@font-face\{([^}]*)\}")


def _subset_font(source: Path, target: Path) -> list[int]:
    """Writes the Latin subset of a woff2 font; returns the code points it holds."""
    import logging

    from fontTools import subset
    from fontTools.ttLib import TTFont
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    if not target.exists():
        options = subset.Options()
        options.flavor = "woff2"
        options.hinting = False
        font = subset.load_font(str(source), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[c for low, high in LATIN for c in range(low, high + 1)])
        subsetter.subset(font)
        handle, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        os.close(handle)
        subset.save_font(font, tmp, options)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    return sorted(TTFont(str(target)).getBestCmap())


def _ranges(code_points: list[int]) -> str:
    """[32, 33, 34, 160] -> "U+20-22,U+A0"."""
    out, start = [], None
    for i, c in enumerate(code_points):
        if start is None:
            start = c
        if i + 1 == len(code_points) or code_points[i + 1] != c + 1:
            out.append(f"U+{start:X}" if start == c else f"U+{start:X}-{c:X}")
            start = None
    return ",".join(out)


def _latin_faces(css: str, out: Path, version: str) -> str:
    """After each @font-face of a woff2 font, the same face from its Latin subset,
    limited to the characters it holds: declared last, it is the one browsers
    download for French text; the whole font only for a character it lacks."""
    def one(match):
        face = match.group(1)
        woff2 = re.search(r"url\((dsfr-[^)]+\.woff2)\)", face)
        if not woff2:
            return match.group(0)
        full = out / woff2.group(1)
        latin = full.with_name(full.stem + ".fr.woff2")
        ranges = _ranges(_subset_font(full, latin))
        src = f'src:url({latin.relative_to(out).as_posix()}) format("woff2");unicode-range:{ranges}'
        return match.group(0) + "@font-face{" + re.sub(r"src:[^;}]*", src, face) + "}"
    return _FONT_FACE.sub(one, css)


# -- the build ---------------------------------------------------------------
_URL = re.compile(r"url\((['\"]?)([^)'\"]+)\1\)")


def _version(dist: Path) -> str:
    package = dist.parent / "package.json"
    if package.exists():
        return json.loads(package.read_text(encoding="utf-8"))["version"]
    return hashlib.sha256(str(dist).encode()).hexdigest()[:8]


def _rewrite_urls(css: str, source: Path, dist: Path, out: Path, version: str, copied: set) -> str:
    """Relative addresses of fonts and icons, as seen from the built stylesheet;
    each file they point to is copied under dsfr-<version>/."""
    def one(match):
        target = match.group(2)
        if target.startswith(("data:", "http:", "https:", "/", "#")):
            return match.group(0)
        path, _, suffix = target.partition("?")
        resolved = (source.parent / path).resolve()
        try:
            relative = resolved.relative_to(dist.resolve())
        except ValueError:
            return match.group(0)
        built = Path(f"dsfr-{version}") / relative
        if built not in copied and resolved.exists():
            (out / built).parent.mkdir(parents=True, exist_ok=True)
            if not (out / built).exists():
                shutil.copyfile(resolved, out / built)
            copied.add(built)
        return f"url({built.as_posix()})"
    return _URL.sub(one, css)


def _write_atomically(path: Path, data: bytes) -> None:
    if path.exists() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(handle, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def _emit(out: Path, stem: str, suffix: str, data: bytes) -> str:
    """`stem.<hash>suffix` and its .gz and .br beside it; returns the name."""
    name = f"{stem}.{hashlib.sha256(data).hexdigest()[:12]}{suffix}"
    if not (out / f"{name}.br").exists():
        _write_atomically(out / name, data)
        _write_atomically(out / f"{name}.gz", gzip.compress(data, 9, mtime=0))
        _write_atomically(out / f"{name}.br", brotli.compress(data, quality=11))
    return name


def script(dist: Path, chosen: list[str]) -> bytes:
    """The DSFR core's script, then each chosen component's (those that have one),
    each in a block of its own: every file declares `const ... = window.dsfr`."""
    parts = [(dist / "core" / "core.module.min.js").read_bytes()]
    for name in chosen:
        path = dist / "component" / name / f"{name}.module.min.js"
        if path.exists():
            parts.append(b"{\n" + path.read_bytes() + b"\n}")
    return b"\n".join(parts)


def build(dist: Path, out: Path, template_dirs=None) -> dict:
    """Writes the built files into `out`; returns the manifest
    {"css": name, "js": name, "favicon": name} (names relative to `out`)."""
    dist, out = Path(dist), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    version = _version(dist)
    classes = used_classes(template_dirs)
    patterns = class_patterns(template_dirs)
    chosen = components(dist, classes)
    # One script: the DSFR's parts the pages use, then the pages' own few lines (page.js).
    js = script(dist, chosen) + b"\n" + PAGE_SCRIPT.read_bytes()
    copied: set = set()
    parts = [dist / "core" / "core.min.css", dist / "scheme" / "scheme.min.css"]
    parts += [dist / "component" / c / f"{c}.min.css" for c in chosen]
    css = [_rewrite_urls(_strip_comments(p.read_text(encoding="utf-8")), p, dist, out, version, copied)
           for p in parts]
    css[0] = _latin_faces(css[0], out, version)
    css += [_rewrite_urls(rule, source, dist, out, version, copied) for source, rule in icon_rules(dist, classes)]
    kept_key = json.dumps([sorted(classes), [p.pattern for p in patterns], hashlib.sha256(js).hexdigest()])
    dsfr = _purged(out, "\n".join(css), kept_key, keeper(classes, patterns, js.decode("utf-8")))
    license_note = "/*! DSFR v%s | SPDX-License-Identifier: Etalab-2.0 | restricted use (see terms and conditions) */" % version
    bundle = "\n".join([license_note, dsfr, THEME.read_text(encoding="utf-8")]).encode()
    favicon = Path(f"dsfr-{version}") / "favicon" / "favicon.svg"
    (out / favicon).parent.mkdir(parents=True, exist_ok=True)
    if not (out / favicon).exists():
        shutil.copyfile(dist / "favicon" / "favicon.svg", out / favicon)
    for built in copied | {favicon}:
        if built.suffix in COMPRESSED and not (out / f"{built}.br").exists():
            data = (out / built).read_bytes()
            _write_atomically(out / f"{built}.gz", gzip.compress(data, 9, mtime=0))
            _write_atomically(out / f"{built}.br", brotli.compress(data, quality=11))
    manifest = {
        "css": _emit(out, "app", ".css", bundle),
        "js": _emit(out, "dsfr.module", ".min.js", js),
        "favicon": favicon.as_posix(),
    }
    return manifest


@cache
def _built(dist: str, out: str) -> dict:
    return build(Path(dist), Path(out))


def _headers(headers, path, url) -> None:
    headers["X-Content-Type-Options"] = "nosniff"


def register(app) -> None:
    """Builds (once per process) and serves /static/build/ with WhiteNoise;
    templates write `asset_url("css")`."""
    dist, out = Path(app.config["DSFR_DIST"]), Path(app.config["ASSETS_DIR"])
    manifest = _built(str(dist), str(out))
    app.wsgi_app = WhiteNoise(app.wsgi_app, root=str(out), prefix=URL_PREFIX, max_age=ONE_YEAR,
                              immutable_file_test=lambda path, url: True, allow_all_origins=False,
                              add_headers_function=_headers)
    app.add_template_global(lambda key: URL_PREFIX + manifest[key], "asset_url")
    app.register_blueprint(bp)


def main(argv=None) -> int:
    """`python -m gateway.assets [DIST OUT]`: the build `make setup` runs."""
    from gateway.settings import asset_paths
    args = argv if argv is not None else sys.argv[1:]
    if args:
        dist, out = Path(args[0]), Path(args[1])
    else:  # the gateway's settings
        dist, out = asset_paths()
    print(json.dumps(build(dist, out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
