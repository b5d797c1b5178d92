"""Issue 21, part 2, on the demo académie with every service deployed (Debian's
Chromium through Playwright):

- with the keyboard alone (Tab, Shift+Tab, Enter, Space; no click) a student
  skips to the content, logs in, makes the first connection (the birth date
  in its three fields) and opens a subject's grades from the notes page; at
  every step the focused element shows a visible focus ring (RGAA 10.7) and
  the skip link leads to the content (RGAA 12.7);
- the main pages (login, home, a subject's grades, vie scolaire, fiche, LSL,
  bourses, inscription, the accessibility statement) never scroll sideways at 320 px wide nor at 200 %
  zoom of a 1280 px window (RGAA 10.11, 10.4), and the value a person came
  for (a grade, a status, a date) stays on screen.

Each page is checked with axe-core too, and what these checks verify is
recorded for the accessibility statement (tools/accessibility_statement.py)."""
import re
from datetime import datetime

import pytest
from playwright.sync_api import expect

from common.clock import PARIS, school_year
from tests.browser.conftest import DEVICES, checked
from tests.e2e.accounts_support import confirmed_guardian, first_connection
from tests.fixtures import Platform
from tools import accessibility_statement, demo

pytestmark = pytest.mark.browser

SERVICES = {"accounts": {"required": True}, "mailer": {"required": True},
            "notes": {"label": "Notes", "order": 20}, "vie_scolaire": {"label": "Vie scolaire", "order": 30},
            "lsl": {"label": "Livret scolaire", "order": 40},
            "fiche": {"label": "Fiche de renseignements", "order": 50},
            "bourses": {"label": "Bourses", "order": 60}, "inscription": {"label": "Inscription au lycée", "order": 70}}
# A school day of the year's first term: grades, absences and the campaigns the demo opens around it.
DAY = datetime(2026, 11, 24, 18, 30, tzinfo=PARIS)
PASSWORD = "soleil2026"

# The focused element, or the DSFR's drawing of it (an enlarged link's parent,
# a checkbox's label), shows an outline that is not transparent.
FOCUS_VISIBLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return false;
  const drawn = s => s && s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
                     && !/rgba\\(.*,\\s*0\\)$/.test(s.outlineColor) && s.outlineColor !== 'transparent';
  const candidates = [el, ...(el.labels ? Array.from(el.labels) : [])];
  for (let n = el.parentElement, i = 0; n && i < 3; n = n.parentElement, i++) candidates.push(n);
  return candidates.some(n => drawn(getComputedStyle(n)) || drawn(getComputedStyle(n, '::before'))
                              || drawn(getComputedStyle(n, '::after')));
}"""
DESCRIBE_FOCUS = """() => { const el = document.activeElement; if (!el) return 'rien';
  const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40);
  return `${el.tagName.toLowerCase()}#${el.id} «${text}»`; }"""
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"


@pytest.fixture(scope="module")
def academie(vhosts, databases, tmp_path_factory):
    """The demo académie (tools/demo.py), every service deployed, on a school
    day: its accounts by person and role, and the birth dates they type."""
    tmp = tmp_path_factory.mktemp("clavier-zoom")
    p = Platform(vhosts, databases, "sqlite", tmp, SERVICES)
    p.start(SERVICES)
    p.clock.move_to(DAY)
    rpc = p.rpc(timeout=300)
    try:
        comptes = demo.build(rpc, tmp, p.clock, services=list(SERVICES))
    finally:
        rpc.close()
    eleves, _ = demo.story_cast(school_year(p.clock.today()), p.clock.today())
    p.accounts = {(c.personne, c.role): {"identifiant": c.identifiant, "password": c.password, "remark": c.remark}
                  for c in comptes}
    p.births = {e.who: e.date_naissance.isoformat() for e in eleves}
    yield p
    p.stop()


def letter(academie, who, role="eleve"):
    return academie.accounts[(who, role)]


# -- The keyboard alone ---------------------------------------------------------------------------

def focus_on(page, locator, *, back=False, limit=60) -> None:
    """Tab (Shift+Tab with `back`) until `locator` has the focus, checking that
    every element the focus lands on on the way shows it."""
    key = "Shift+Tab" if back else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        assert page.evaluate(FOCUS_VISIBLE), f"focus invisible sur {page.evaluate(DESCRIBE_FOCUS)} ({page.url})"
        if locator.evaluate("e => e === document.activeElement"):
            return
    raise AssertionError(f"{locator} jamais atteint au clavier ({page.url})")


def type_into(page, locator, text) -> None:
    focus_on(page, locator)
    page.keyboard.type(text)


def record_keyboard(page, name) -> None:
    accessibility_statement.record_check(
        name, page.url, page.title(), page.viewport_size["width"],
        "Parcours au clavier seul (Tab, Maj+Tab, Entrée, Espace) : focus visible à chaque étape, lien d'évitement",
        {"10.7": True, "12.7": True})


def test_a_student_logs_in_activates_and_reads_a_subject_with_the_keyboard_alone(academie, browser):
    account, birth = letter(academie, "Léa MARTIN"), academie.births["Léa MARTIN"]
    context = browser.new_context(base_url=academie.base_url, locale="fr-FR", **DEVICES["pc"])
    page = context.new_page()
    try:
        page.goto("/connexion")
        # The first Tab reaches the skip link, shown once focused; Enter takes the focus to the content.
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Contenu")
        assert skip.evaluate("e => e === document.activeElement") and page.evaluate(FOCUS_VISIBLE)
        expect(skip).to_be_visible()
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.id") == "contenu"
        checked(page, "clavier-1-connexion-pc")
        record_keyboard(page, "clavier-1-connexion-pc")

        type_into(page, page.get_by_label("Votre identifiant"), account["identifiant"])
        type_into(page, page.get_by_label("Votre mot de passe"), account["password"])
        # A step back and forth with Shift+Tab, then Space on the button.
        focus_on(page, page.get_by_label("Votre identifiant"), back=True)
        focus_on(page, page.get_by_role("button", name="Valider"))
        page.keyboard.press("Space")

        expect(page.get_by_role("heading", level=1)).to_contain_text("Première connexion")
        checked(page, "clavier-2-premiere-connexion-pc")
        record_keyboard(page, "clavier-2-premiere-connexion-pc")
        year, month, day = birth.split("-")
        group = page.get_by_role("group", name=re.compile("Date de naissance"))
        type_into(page, group.get_by_label("Jour"), day)
        type_into(page, group.get_by_label("Mois"), month)
        type_into(page, group.get_by_label("Année"), year)
        type_into(page, page.get_by_label("Nouveau mot de passe"), PASSWORD)
        type_into(page, page.get_by_label("Confirmation du mot de passe"), PASSWORD)
        page.keyboard.press("Enter")

        expect(page.get_by_role("heading", level=1)).to_contain_text("La scolarité de Léa")
        checked(page, "clavier-3-accueil-pc")
        record_keyboard(page, "clavier-3-accueil-pc")
        focus_on(page, page.locator("#menu-eleve").get_by_role("link", name="Notes"))
        page.keyboard.press("Enter")

        expect(page.get_by_role("heading", level=1)).to_contain_text("Notes de Léa")
        checked(page, "clavier-4-notes-pc")
        record_keyboard(page, "clavier-4-notes-pc")
        subject = page.locator("main").get_by_role("link").filter(has_text=re.compile(r"^Mathématiques")).first
        focus_on(page, subject)
        page.keyboard.press("Enter")

        expect(page.get_by_role("heading", level=1)).to_have_text("Mathématiques")
        # The grades' table scrolls on a narrow window: it takes the focus, visibly, to be scrolled by keyboard.
        focus_on(page, page.get_by_role("table"))
        expect(page.locator("td.grade").first).to_be_visible()
        checked(page, "clavier-5-matiere-pc")
        record_keyboard(page, "clavier-5-matiere-pc")
    finally:
        context.close()


# -- 320 px and 200 % zoom ------------------------------------------------------------------------

# 320 CSS pixels: a small phone, or a 1280 px window at 400 % (RGAA 10.11).
NARROW = {"viewport": {"width": 320, "height": 640}, "is_mobile": True, "has_touch": True,
          "device_scale_factor": 2, "user_agent": DEVICES["phone"]["user_agent"]}
# A 1280×800 window zoomed to 200 % lays the page out in 640×400 CSS pixels, each drawn
# twice as large: the same layout as a 640×400 viewport at a device scale factor of 2 (RGAA 10.4).
ZOOM_200 = {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2}
SIZES = {"320px": NARROW, "zoom200": ZOOM_200}


def log_in(page, account, password=PASSWORD) -> None:
    page.goto("/connexion")
    page.get_by_label("Votre identifiant").fill(account["identifiant"])
    page.get_by_label("Votre mot de passe").fill(password)
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("heading", level=1)).not_to_contain_text("Connexion")


@pytest.fixture(scope="module")
def activated(academie):
    """Hugo (collège, 5e) and Lucas (lycée, terminale, adult) past their first
    connection; a guardian of a 3e student (the lycée enrollment) with a
    confirmed address."""
    out = {}
    for who in ("Hugo MARTIN", "Lucas LEFEBVRE"):
        account = letter(academie, who)
        _user, page = first_connection(academie, account, academie.births[who])
        assert page.status_code == 200
        out[who] = account
    # A guardian whose child is in 3e (the demo's remark: "Prénom (jj/mm/aaaa, 3A)").
    who, account, born = next(
        (who, a, m) for (who, role), a in sorted(academie.accounts.items()) if role == "responsable"
        for m in [re.search(r"\((\d\d)/(\d\d)/(\d{4}), 3A\)", a["remark"])] if m)
    confirmed_guardian(academie, account, f"{born[3]}-{born[2]}-{born[1]}", "parent.3a@example.org")
    out["parent de 3e"] = account
    return out


def go_to(page, link_name) -> None:
    """Through the child's menu, whatever the layout: the side menu, or the
    phone's folded one."""
    menu = page.locator("#menu-eleve")
    toggle = page.get_by_role("button", name=re.compile("^Menu (de |d')"))
    if toggle.count() and toggle.is_visible():
        toggle.click()
    menu.get_by_role("link", name=link_name).first.click()


STATUS_SENTENCE = re.compile(r"^Scolarité services est (non|partiellement|totalement) conforme")
# page name -> (account, how to reach it from the home page, the value that must stay on screen)
PAGES = {
    "connexion": (None, None, lambda page: page.get_by_role("button", name="Valider")),
    "accueil": ("Hugo MARTIN", None, lambda page: page.get_by_role("heading", level=1)),
    "notes-matiere": ("Hugo MARTIN", lambda page: (go_to(page, "Notes"), page.locator("main").get_by_role(
        "link").first.click()), lambda page: page.locator("td.grade").first),
    "vie-scolaire": ("Hugo MARTIN", lambda page: go_to(page, "Vie scolaire"),
                     lambda page: page.locator("main [data-etat]").first),  # "Non justifiée"...
    "fiche": ("parent de 3e", lambda page: go_to(page, "Fiche de renseignements"),
              lambda page: page.get_by_role("heading", level=1)),
    "lsl": ("Lucas LEFEBVRE", lambda page: go_to(page, "Livret scolaire"),
            lambda page: page.get_by_role("heading", level=1)),
    "bourses": ("parent de 3e", lambda page: go_to(page, "Bourses"),
                lambda page: page.locator("main").get_by_text(re.compile("est ouverte du")).first),
    "inscription": ("parent de 3e", lambda page: go_to(page, "Inscription au lycée"),
                    lambda page: page.locator("main").get_by_text("LYCÉE MARGUERITE DE FLANDRE").first),
    # The accessibility statement itself, reached by its footer link.
    "accessibilite": (None, lambda page: page.get_by_role("contentinfo").get_by_role(
        "link", name=re.compile("^Accessibilité")).click(),
        lambda page: page.locator("main").get_by_text(STATUS_SENTENCE)),
}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("name", list(PAGES))
def test_the_main_pages_never_scroll_sideways_at_320_px_nor_at_200_percent_zoom(academie, activated, browser,
                                                                                   name, size):
    who, reach, key_value = PAGES[name]
    context = browser.new_context(base_url=academie.base_url, locale="fr-FR", **SIZES[size])
    page = context.new_page()
    try:
        if who is None:
            page.goto("/connexion")
        else:
            log_in(page, activated[who])
        if reach:
            reach(page)
        page.wait_for_load_state()
        value = key_value(page)
        expect(value).to_be_visible()
        fits = page.evaluate(NO_SIDEWAYS_SCROLL)
        # The value is inside the window's width: seen without scrolling sideways.
        box = value.bounding_box()
        inside = box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"] + 1
        accessibility_statement.record_check(
            f"affichage-{name}-{size}", page.url, page.title(), page.viewport_size["width"],
            "Affichage à 320 px de large et à 200 % de zoom (fenêtre de 1 280 px) : pas de défilement horizontal, "
            "l'information principale reste visible",
            {("10.11" if size == "320px" else "10.4"): fits and inside})
        checked(page, f"affichage-{name}-{size}")
        width = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert fits, f"{name} à {size} : défilement horizontal (largeur du contenu, de la fenêtre : {width})"
        assert inside, f"{name} à {size} : la valeur principale sort de l'écran ({box})"
    finally:
        context.close()
