"""The pages' stylesheet and script (gateway/assets.py): only the DSFR parts the
templates use, yet every class they write still styled; fingerprinted names,
pre-compressed, cached for good; fonts cut to French text."""
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
    # Only what is used: about half of the DSFR, none of the 1 700 icons the pages do not name.
    assert len(bundle) < 0.6 * len(whole)
    assert ".fr-icon-account-circle-line" in bundle and ".fr-icon-zoom-in-line" not in bundle


def test_a_component_a_template_starts_using_comes_with_the_next_build(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "page.html").write_text('<div class="fr-accordion"><p class="fr-hint-text">x</p></div>')
    chosen = assets.components(DIST, assets.used_classes([templates]))
    assert "accordion" in chosen and "form" in chosen and "tile" not in chosen


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
