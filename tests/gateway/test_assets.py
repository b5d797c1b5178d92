"""The pages' stylesheet and script (gateway/assets.py): only the DSFR parts the
templates use, without the selectors of classes nobody writes, yet every class
they write still styled; only the scripts of the components used;
fingerprinted names, pre-compressed, cached for good; fonts cut to French text.
That the purged stylesheet styles the pages as the whole one does is checked
in a browser (tests/browser/test_assets_styles.py)."""
import gzip
import re
from pathlib import Path

import brotli
import pytest

from gateway import assets
from gateway.settings import Settings

DIST = Path(assets.__file__).resolve().parent.parent / "node_modules" / "@gouvfr" / "dsfr" / "dist"


def _defined(css: str) -> set[str]:
    return set(re.findall(r"\.(fr-[a-z0-9_-]+)", css))


@pytest.fixture(scope="module")
def built():
    # The checkout's build, which `make setup` (and every gateway's start) makes: quick when it is there.
    out = Path(assets.__file__).resolve().parent.parent / "build" / "assets"
    return out, assets.build(DIST, out)


def test_every_class_the_templates_write_that_the_dsfr_styles_is_in_the_one_stylesheet(built):
    out, manifest = built
    whole = (DIST / "dsfr.min.css").read_text() + (DIST / "utility" / "utility.min.css").read_text()
    bundle = (out / manifest["css"]).read_text()
    styled_before = assets.used_classes() & _defined(whole)
    missing = sorted(c for c in styled_before if c not in _defined(bundle))
    assert missing == []
    assert ".tile-new" in bundle  # and the project's own theme.css
    # Only what is used: about a quarter of the DSFR, none of the 1 700 icons the pages do not name.
    assert len(bundle) < 0.35 * len(whole)
    assert ".fr-icon-account-circle-line" in bundle and ".fr-icon-zoom-in-line" not in bundle


def test_a_component_a_template_starts_using_comes_with_the_next_build(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "page.html").write_text('<div class="fr-accordion"><p class="fr-hint-text">x</p></div>')
    chosen = assets.components(DIST, assets.used_classes([templates]))
    assert "accordion" in chosen and "form" in chosen and "tile" not in chosen


def test_the_selectors_of_classes_nobody_writes_are_dropped_the_others_kept():
    css = (".fr-btn{color:red}.fr-btn--tertiary{color:blue}"
           ".fr-btn--tertiary,.fr-btn--sm{margin:0}"
           ".fr-btn:not(.fr-btn--tertiary){padding:1px}"
           "[class*=\" fr-icon-\"]:before{content:\"\"}"
           "@media (min-width:48em){.fr-btn--tertiary{color:green}.fr-btn{color:black}}"
           "@media print{.fr-btn--tertiary{display:none}}"
           "@font-face{font-family:Marianne;src:url(m.woff2)}"
           ".fr-collapse--expanded{max-height:none}.fr-alert--info{color:blue}.fr-badge--new{color:red}")
    kept = assets.keeper({"fr-btn", "fr-btn--sm"}, [re.compile("fr\\-alert\\-\\-[a-z0-9_-]*$")],
                         'const E={EXPANDED:{id:"expanded"}};ns("collapse")')
    out = assets.purge(css, kept)
    assert ".fr-btn{color:red}" in out
    assert ".fr-btn--tertiary{color:blue}" not in out and "display:none" not in out and "color:green" not in out
    # One selector of a list dropped, the other kept; a class inside :not() is not needed to match.
    assert ".fr-btn--sm{margin:0}" in out and ".fr-btn:not(.fr-btn--tertiary){padding:1px}" in out
    assert '[class*=" fr-icon-"]:before' in out and "@font-face" in out
    assert "@media (min-width:48em){.fr-btn{color:black}}" in out and "@media print" not in out
    # A state the script names, a class a template glues (fr-alert--{{ category }}).
    assert ".fr-collapse--expanded" in out and ".fr-alert--info" in out and ".fr-badge--new" not in out


def test_a_class_a_template_glues_together_is_kept_whatever_follows(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "page.html").write_text('<p class="fr-badge fr-badge--{{ state }} fr-badge--sm">x</p>')
    patterns = assets.class_patterns([templates])
    assert [p.pattern for p in patterns] == [r"fr\-badge\-\-[a-z0-9_-]*$"]
    kept = assets.keeper(assets.used_classes([templates]), patterns, "")
    assert kept("fr-badge--success") and kept("fr-badge--sm") and not kept("fr-tag--sm")


def test_the_script_holds_the_core_and_the_components_the_pages_use_only(built):
    out, manifest = built
    script = (out / manifest["js"]).read_text()
    chosen = assets.components(DIST, assets.used_classes())
    for name in ("header", "navigation", "modal", "password"):
        assert name in chosen
        assert (DIST / "component" / name / f"{name}.module.min.js").read_text().strip() in script
    # The slider, the tooltip and the transcription, which no page shows, are not in it.
    for name in ("range", "tooltip", "transcription"):
        assert name not in chosen
        assert (DIST / "component" / name / f"{name}.module.min.js").read_text().strip() not in script
    assert len(script) < 0.85 * len((DIST / "dsfr.module.min.js").read_text())
    assert "erreurs" in script  # and the pages' own lines (page.js)


def test_fonts_get_a_french_subset_declared_after_the_whole_font(built):
    out, manifest = built
    bundle = (out / manifest["css"]).read_text()
    regular = [f for f in re.findall(r"@font-face\{[^}]*\}", bundle) if "Marianne-Regular." in f
               or "Marianne-Regular.fr" in f]
    assert "Marianne-Regular.woff2" in regular[0] and "unicode-range" not in regular[0]
    assert "Marianne-Regular.fr.woff2" in regular[1] and "unicode-range:U+20-7E" in regular[1]
    subset = out / "dsfr-1.15.3" / "fonts" / "Marianne-Regular.fr.woff2"
    assert subset.stat().st_size < 0.3 * (DIST / "fonts" / "Marianne-Regular.woff2").stat().st_size


def test_built_files_are_fingerprinted_precompressed_and_cached_for_good(make_app, fake_rpc, watch, built):
    app = make_app()
    client = app.test_client()
    page = client.get("/connexion")
    css = re.search(r'<link rel="stylesheet" href="(/static/build/app\.[0-9a-f]{12}\.css)">', page.text).group(1)
    js = re.search(r'<script type="module" src="(/static/build/dsfr\.module\.[0-9a-f]{12}\.min\.js)">', page.text).group(1)
    plain = client.get(css, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and plain.headers.get("Content-Encoding") is None
    for encoding, decompress in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        response = client.get(css, headers={"Accept-Encoding": encoding})
        assert response.headers["Content-Encoding"] == encoding
        assert decompress(response.data) == plain.data
        assert len(response.data) < len(plain.data) / 6
        assert "immutable" in response.headers["Cache-Control"]
        assert int(re.search(r"max-age=(\d+)", response.headers["Cache-Control"]).group(1)) >= 365 * 24 * 3600
        assert response.headers["Vary"] == "Accept-Encoding"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(js, headers={"Accept-Encoding": "br"}).headers["Content-Encoding"] == "br"
    # No stylesheet of the whole DSFR any more.
    assert "dsfr.min.css" not in page.text and "utility.min.css" not in page.text


def test_the_build_writes_nothing_again_when_nothing_changed(built):
    out, manifest = built
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    assert assets.build(DIST, out) == manifest
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before


def test_settings_default_to_the_checkouts_build_folder(monkeypatch):
    monkeypatch.setenv("SCOLARITE_DEV", "1")
    monkeypatch.delenv("SCOLARITE_ASSETS_DIR", raising=False)
    assert Settings.from_env().assets_dir.parts[-2:] == ("build", "assets")


def test_the_purge_is_remembered_by_its_input_and_its_own_code(tmp_path, monkeypatch):
    css = ".fr-a{color:red}.fr-b{color:blue}"
    keep_a = assets._purged(tmp_path, css, "key", lambda name: name == "fr-a")
    assert keep_a == ".fr-a{color:red}"
    # The same input: the remembered result, whatever the function now says.
    assert assets._purged(tmp_path, css, "key", lambda name: name == "fr-b") == keep_a
    # The purge's module changed (a new rule in `purge`): purged anew.
    changed = tmp_path / "assets.py"
    changed.write_bytes(Path(assets.__file__).read_bytes() + b"\n# changed\n")
    monkeypatch.setattr(assets, "__file__", str(changed))
    assert assets._purged(tmp_path, css, "key", lambda name: name == "fr-b") == ".fr-b{color:blue}"
