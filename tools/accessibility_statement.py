"""The déclaration d'accessibilité (RGAA 4.1), made from what the browser
tests found (docs/accessibilite.md).

The browser tests record, for every page they check (`checked(page, name)`
in tests/browser/conftest.py), axe-core's whole verdict under
var/accessibilite/resultats/<run>/pages/, and the keyboard, 320 px and 200 %
zoom tests record the criteria they verify under .../<run>/controles/.
`python -m tools.accessibility_statement` turns the latest run's into the
statement, gateway/areas/pages/accessibilite.json, which the footer's
"Accessibilité" page renders and from which the footer's mention comes.

The axe-core rule → RGAA criterion mapping is axe-core's own: since 4.11 each
rule carries the RGAA 4.1 tests it checks as tags ("RGAA-1.1.1" is test 1 of
criterion 1.1; dequelabs/axe-core#4850, #4862). The criteria's titles are
the RGAA 4.1's (tools/data/rgaa41_criteres.json, DINUM, Licence Ouverte 2.0).

How RGAA counts: a criterion is conform when it is respected on every page
where it applies, non conform when it fails on one; the conformity rate is
conform / (conform + non conform). The site is "totalement conforme" only
when every one of the 106 criteria is respected, "partiellement conforme"
when at least half of them are, "non conforme" otherwise. Automated tests
see only part of the criteria: a criterion they cannot judge is not
respected for that count, so the status stays honest.
"""
import json
import os
import re
import sys
import tempfile
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from common.config import ROOT

RESULTS = ROOT / "var" / "accessibilite" / "resultats"
# Each test run writes under a folder of its own (its name in this variable, set by
# tests/accessibility.py before pytest-xdist starts its workers), so two runs at once
# never mix their results nor remove each other's.
RUN = "SCOLARITE_ACCESSIBILITE_RUN"
STATEMENT = ROOT / "gateway" / "areas" / "pages" / "accessibilite.json"
CRITERIA = json.loads((ROOT / "tools" / "data" / "rgaa41_criteres.json").read_text(encoding="utf-8"))["criteres"]
TOTAL = len(CRITERIA)  # 106
PHONE_MAX_WIDTH = 767  # below the DSFR's "md" breakpoint: a phone's layout

# A criterion's result, as the statement words it.
CONFORME, NON_CONFORME, A_VERIFIER, NON_APPLICABLE, NON_EVALUE = (
    "conforme", "non conforme", "à vérifier", "non applicable", "non évalué")
OUTCOMES = {"violations": "fail", "incomplete": "incomplete", "passes": "pass", "inapplicable": "inapplicable"}
RGAA_TAG = re.compile(r"^RGAA-(\d+)\.(\d+)\.\d+$")


def page_path(url: str) -> str:
    """The page's address with what changes from one run to another (ids,
    school codes, tokens) folded: "/eleve/…/notes/…"."""
    segments = [("…" if re.search(r"\d", s) or len(s) >= 20 else s) for s in urlsplit(url).path.split("/")]
    return "/".join(segments) or "/"


def _write(path: Path, data: dict) -> None:
    """Atomic, so a reader never sees half a file and two writers never mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out, ensure_ascii=False, indent=1, sort_keys=True)
    os.replace(tmp, path)


def run_dir() -> Path:
    """This run's results: pages/, controles/ (and collecte/, tests/accessibility.py)."""
    return RESULTS / os.environ.get(RUN, "hors-session")


def latest_run() -> Path | None:
    runs = [p for p in RESULTS.glob("*") if (p / "pages").is_dir()] if RESULTS.is_dir() else []
    return max(runs, key=lambda p: p.stat().st_mtime) if runs else None


def _file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:150] + ".json"


def record_page(name: str, url: str, title: str, width: int, axe: dict) -> None:
    """axe-core's verdict on one page, every rule with its outcome(s), impact,
    number of elements and the RGAA criteria it checks."""
    rules: dict[str, dict] = {}
    for key, outcome in OUTCOMES.items():
        for rule in axe.get(key, []):
            entry = rules.setdefault(rule["id"], {
                "help": rule.get("help", ""), "impact": None, "outcomes": {},
                "criteria": sorted({f"{m[1]}.{m[2]}" for m in map(RGAA_TAG.match, rule.get("tags", [])) if m},
                                   key=_criterion_key)})
            entry["outcomes"][outcome] = len(rule.get("nodes", []))
            if outcome == "fail":
                entry["impact"] = rule.get("impact")
    by_impact: dict[str, int] = {}
    for rule in axe.get("violations", []):
        by_impact[rule.get("impact") or "unknown"] = by_impact.get(rule.get("impact") or "unknown", 0) + 1
    _write(run_dir() / "pages" / _file_name(name), {
        "name": name, "path": page_path(url), "title": title, "width": width,
        "axe_version": axe.get("testEngine", {}).get("version", ""),
        "user_agent": axe.get("testEnvironment", {}).get("userAgent", ""),
        "violations_by_impact": by_impact, "rules": rules})


def record_check(name: str, url: str, title: str, width: int, method: str, criteria: dict[str, bool]) -> None:
    """A check the tests make themselves (keyboard, reflow, zoom): which RGAA
    criteria it verified on this page, and whether each held."""
    _write(run_dir() / "controles" / _file_name(name), {
        "name": name, "path": page_path(url), "title": title, "width": width, "method": method,
        "criteria": {number: ("pass" if held else "fail") for number, held in criteria.items()}})


def load_results(results: Path | None = None) -> tuple[list[dict], list[dict]]:
    """A run's pages and checks: `results`, or the latest run's."""
    results = results or latest_run() or run_dir()

    def read(folder):
        return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))] \
            if folder.is_dir() else []
    return read(results / "pages"), read(results / "controles")


def _criterion_key(number: str) -> tuple[int, int]:
    theme, criterion = number.split(".")
    return int(theme), int(criterion)


def _device(width: int) -> str:
    return "téléphone" if width <= PHONE_MAX_WIDTH else "ordinateur"


def _short_title(title: str) -> str:
    """The page's kind, as its title says it, without the site's name, the
    child's or school's name that ends it, nor the "Erreur :" of a form sent
    back: "Anglais LV1 – Notes – Hugo MARTIN – Scolarité services" -> "Anglais
    LV1 – Notes"."""
    parts = [p for p in re.split(r"\s+–\s+", title.split("<")[0].strip()) if p]
    if parts and parts[-1] == "Scolarité services":
        parts.pop()
    if len(parts) > 1:
        parts.pop()
    return re.sub(r"^Erreur\s*:\s*", "", " – ".join(parts))[:80]


def build(pages: list[dict], checks: list[dict], today: date) -> dict:
    """The statement's content: status, rate, each criterion's result with how
    it was checked and where it fails, the pages covered, the environment."""
    found: dict[str, dict] = {n: {"outcomes": set(), "rules": set(), "methods": set(), "failures": {}}
                              for n in CRITERIA}
    for page in pages:
        where = f"{page['path']} ({_device(page['width'])})"
        for rule_id, rule in page["rules"].items():
            for number in rule["criteria"]:
                if number not in found:
                    continue
                entry = found[number]
                entry["outcomes"].update(rule["outcomes"])
                entry["rules"].add(rule_id)
                entry["methods"].add("axe-core")
                if "fail" in rule["outcomes"]:
                    entry["failures"].setdefault(f"axe-core {rule_id} : {rule['help']}", set()).add(where)
    for check in checks:
        where = f"{check['path']} ({_device(check['width'])})"
        for number, outcome in check["criteria"].items():
            entry = found[number]
            entry["outcomes"].add(outcome)
            entry["methods"].add(check["method"])
            if outcome == "fail":
                entry["failures"].setdefault(check["method"], set()).add(where)

    criteria = {}
    for number, entry in found.items():
        outcomes = entry["outcomes"]
        if "fail" in outcomes:
            result = NON_CONFORME
        elif "incomplete" in outcomes:
            result = A_VERIFIER  # axe-core could not decide for some elements: a person must look
        elif "pass" in outcomes:
            result = CONFORME
        elif "inapplicable" in outcomes:
            result = NON_APPLICABLE
        else:
            result = NON_EVALUE
        criteria[number] = {
            "result": result, "title": CRITERIA[number]["titre"], "theme": CRITERIA[number]["thematique"],
            "methods": sorted(entry["methods"]), "axe_rules": sorted(entry["rules"]),
            "failures": [{"what": what, "pages": sorted(where)} for what, where in sorted(entry["failures"].items())]}

    counts = {r: sum(1 for c in criteria.values() if c["result"] == r)
              for r in (CONFORME, NON_CONFORME, A_VERIFIER, NON_APPLICABLE, NON_EVALUE)}
    judged = counts[CONFORME] + counts[NON_CONFORME]
    rate = round(100 * counts[CONFORME] / judged, 1) if judged else 0.0
    applicable = TOTAL - counts[NON_APPLICABLE]
    if counts[CONFORME] == applicable:
        status = "totalement conforme"
    elif applicable and counts[CONFORME] * 2 >= applicable:
        status = "partiellement conforme"
    else:
        status = "non conforme"

    covered: dict[str, dict] = {}
    for item in pages + checks:
        page = covered.setdefault(item["path"], {"titles": set(), "devices": set()})
        page["titles"].add(_short_title(item["title"]))
        page["devices"].add(_device(item["width"]))
    return {
        "date": today.isoformat(), "referentiel": "RGAA 4.1", "status": status, "rate": rate,
        "counts": counts, "total": TOTAL,
        "criteria": dict(sorted(criteria.items(), key=lambda kv: _criterion_key(kv[0]))),
        "pages": [{"path": path, "titles": sorted(p["titles"]), "devices": sorted(p["devices"])}
                  for path, p in sorted(covered.items())],
        "checks": sorted({c["method"] for c in checks}),
        "environment": {"axe_version": sorted({p["axe_version"] for p in pages if p["axe_version"]}),
                        # A phone's context shows a phone's user agent: the browser is the desktop contexts'.
                        "browsers": sorted({_browser(p["user_agent"]) for p in pages
                                            if p["user_agent"] and "Mobile" not in p["user_agent"]})},
        "page_visits": len(pages)}


def _browser(user_agent: str) -> str:
    match = re.search(r"(HeadlessChrome|Chrome)/([\d.]+)", user_agent)
    return f"Chromium {match[2]}" if match else user_agent


def claims(statement: dict) -> dict:
    """What the statement asserts, which the tests must still find: the
    status, the rate, the pages covered and each criterion's result."""
    return {"status": statement["status"], "rate": statement["rate"],
            "pages": [p["path"] for p in statement["pages"]],
            "criteria": {n: c["result"] for n, c in statement["criteria"].items()}}


def differences(committed: dict | None, fresh: dict) -> list[str]:
    """How the committed statement's claims differ from what the tests found
    (empty when it is still true)."""
    if committed is None:
        return ["aucune déclaration enregistrée / no statement committed"]
    old, new = claims(committed), claims(fresh)
    out = []
    if old["status"] != new["status"] or old["rate"] != new["rate"]:
        out.append(f"état : {old['status']} ({old['rate']} %) → {new['status']} ({new['rate']} %)")
    for path in sorted(set(new["pages"]) - set(old["pages"])):
        out.append(f"page vérifiée en plus / page now covered : {path}")
    for path in sorted(set(old["pages"]) - set(new["pages"])):
        out.append(f"page qui n'est plus vérifiée / page no longer covered : {path}")
    for number in sorted(set(old["criteria"]) | set(new["criteria"]), key=_criterion_key):
        said, found = old["criteria"].get(number), new["criteria"].get(number)
        if not _still_holds(said, found):
            out.append(f"critère {number} : {said} → {found}")
    return out


def _still_holds(said: str | None, found: str | None) -> bool:
    """Whether the statement's word on a criterion is still true of what the
    tests found. It must name every non-conformity found and no other, and
    never claim more than was found ("conforme" or "non applicable" when axe
    now leaves elements to a person); claiming less than found is still true
    ("à vérifier" when a run happens to decide every element: axe-core's
    undecided outcomes, such as a contrast over an element still moving,
    vary from one run to the next, and a statement that failed the suite on
    them would be regenerated at random)."""
    if said == found:
        return True
    if NON_CONFORME in (said, found):
        return False
    return said in (A_VERIFIER, NON_EVALUE) or {said, found} == {CONFORME, NON_APPLICABLE}


def committed_statement(path: Path | None = None) -> dict | None:
    path = path or STATEMENT
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def write_statement(statement: dict, path: Path | None = None) -> None:
    path = path or STATEMENT
    path.write_text(json.dumps(statement, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main(argv=None) -> int:
    pages, checks = load_results()
    if not pages:
        print("Aucun résultat de test d'accessibilité sous var/accessibilite/resultats/ : lancez make accessibilite "
              "(no accessibility results: run make accessibilite)", file=sys.stderr)
        return 1
    statement = build(pages, checks, date.today())
    write_statement(statement)
    c = statement["counts"]
    print(f"Déclaration d'accessibilité : {statement['status']}, taux de conformité {statement['rate']} % "
          f"({c[CONFORME]} critères conformes, {c[NON_CONFORME]} non conformes, {c[A_VERIFIER]} à vérifier, "
          f"{c[NON_APPLICABLE]} non applicables, {c[NON_EVALUE]} non évalués sur {TOTAL}) ; "
          f"{len(statement['pages'])} pages, {statement['page_visits']} vérifications → {STATEMENT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
