"""The Content-Security-Policy (gateway/security.py) in a real browser: the
DSFR's script runs under it, and Chromium reports no violation on the pages
anyone can open (docs/security.md)."""
import pytest

from tests.browser.conftest import PC

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", ["/connexion", "/identifiant-oublie", "/aide", "/contact", "/page-inexistante"])
def test_dsfr_pages_run_under_the_content_security_policy_without_violation(platform, browser, path):
    context = browser.new_context(base_url=platform.base_url, locale="fr-FR", **PC)
    page = context.new_page()
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(path)
    # The DSFR marks the page once its script has started.
    page.locator("html[data-fr-js='true']").wait_for(state="attached", timeout=15000)
    assert violations == []
    context.close()
