"""Build the fiche's compact list of French communes (services/fiche/data/communes.tsv.gz)
from the maintained `@etalab/decoupage-administratif` npm package (Etalab, MIT licence:
the INSEE Code officiel géographique with La Poste's postal codes).

    npm install --prefix /tmp/communes --ignore-scripts @etalab/decoupage-administratif@6.0.0
    python -m tools.build_communes /tmp/communes/node_modules/@etalab/decoupage-administratif

The package is 8.6 MB of JSON and lives in the npm registry; the fiche service
needs a few hundred kilobytes of it at run time, without Node.js: so the list is
built here, once per release of the package, and the result is committed (its
first line names the package version it was built from).

One line per commune: INSEE code, name, type (A commune, D commune déléguée,
S commune associée, M arrondissement municipal), département, postal codes
(comma-separated), former INSEE codes, and the commune it belongs to (for D, S
and M). Corsica's 2A/2B codes and the overseas départements and collectivités
(971-978, 986-988 where the package has them) are kept as they are.
"""
import gzip
import json
import sys
from pathlib import Path

from common.config import ROOT

OUT = ROOT / "services" / "fiche" / "data" / "communes.tsv.gz"
TYPES = {"commune-actuelle": "A", "commune-deleguee": "D", "commune-associee": "S", "arrondissement-municipal": "M"}


def build(package: Path, out: Path = OUT) -> int:
    version = json.loads((package / "package.json").read_text())["version"]
    communes = json.loads((package / "data" / "communes.json").read_text(encoding="utf-8"))
    lines = [f"# @etalab/decoupage-administratif {version}"]
    for c in sorted(communes, key=lambda c: (c["code"], TYPES[c["type"]])):
        parent = c.get("commune") or c.get("chefLieu") or ""
        lines.append("\t".join([c["code"], c["nom"], TYPES[c["type"]], c.get("departement", ""),
                                ",".join(c.get("codesPostaux", [])), ",".join(c.get("anciensCodes", [])),
                                parent if parent != c["code"] or c["type"] != "commune-actuelle" else ""]))
    out.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0: the same package gives the same bytes.
    with gzip.GzipFile(out, "wb", mtime=0) as fh:
        fh.write(("\n".join(lines) + "\n").encode("utf-8"))
    return len(lines) - 1


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    count = build(Path(args[0]))
    print(f"{count} communes écrites dans {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
