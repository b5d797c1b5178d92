"""French communes and their postal codes, to check an address's postal code
against its town and to find a birth commune's INSEE code.

The list is `data/communes.tsv.gz`, built by `tools.build_communes` from the
maintained @etalab/decoupage-administratif package (INSEE's Code officiel
géographique with La Poste's postal codes). Facts it keeps in view
(shared/domain/fiche_renseignements.md § 4-5):

- an INSEE code is 5 characters, Corsica's start with 2A/2B while their postal
  codes keep 20: never check a commune code as 5 digits;
- a postal code covers several communes and a commune has several postal codes;
  Paris, Lyon and Marseille are also listed as their arrondissements;
- communes merge every year: a commune déléguée or associée (and a former code)
  is still a valid birth commune, kept as registered.
"""
import gzip
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "communes.tsv.gz"
POSTAL_CODE = re.compile(r"^\d{5}$")
INSEE_CODE = re.compile(r"^(\d{2}|2[AB])\d{3}$")
DEPARTEMENT = re.compile(r"^(0[1-9]|1\d|2[1-9AB]|[3-8]\d|9[0-5]|97[1-8]|98[6-8])$")


@dataclass(frozen=True)
class Commune:
    code: str
    nom: str
    type: str  # A commune, D déléguée, S associée, M arrondissement municipal
    departement: str
    codes_postaux: tuple[str, ...]
    parent: str


class Communes:
    def __init__(self, path: Path = DATA):
        self.by_code: dict[str, list[Commune]] = {}
        self.by_postal_code: dict[str, list[Commune]] = {}
        self.former: dict[str, str] = {}
        self.by_departement_name: dict[tuple[str, str], list[Commune]] = {}
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            rows = [line.rstrip("\n").split("\t") for line in fh if not line.startswith("#")]
        actual = {}
        for code, nom, type_, dep, postaux, anciens, parent in rows:
            commune = Commune(code, nom, type_, dep, tuple(p for p in postaux.split(",") if p), parent)
            self.by_code.setdefault(code, []).append(commune)
            if type_ == "A":
                actual[code] = commune
                for old in filter(None, anciens.split(",")):
                    self.former.setdefault(old, code)
        for communes in self.by_code.values():
            for commune in communes:
                # A commune déléguée has no postal code of its own in the list:
                # its mail goes through its commune nouvelle's.
                postaux = commune.codes_postaux or (actual[commune.parent].codes_postaux
                                                     if commune.parent in actual else ())
                for postal in postaux:
                    self.by_postal_code.setdefault(postal, []).append(commune)
                self.by_departement_name.setdefault((commune.departement, normalize(commune.nom)), []).append(commune)

    def known_code(self, code: str) -> bool:
        """A commune's INSEE code as SIECLE may hold it: current, délégué or
        associé, an arrondissement, or a former code."""
        return code in self.by_code or code in self.former

    def name(self, code: str) -> str | None:
        communes = self.by_code.get(code) or self.by_code.get(self.former.get(code, ""), [])
        # The commune itself before its déléguée of the same code.
        return sorted(communes, key=lambda c: c.type)[0].nom if communes else None

    def for_postal_code(self, postal_code: str) -> list[Commune]:
        return self.by_postal_code.get(postal_code, [])

    def match_postal(self, postal_code: str, town: str) -> Commune | None:
        """The commune named `town` among those served by `postal_code`."""
        wanted = normalize(town)
        matches = [c for c in self.for_postal_code(postal_code) if wanted in _postal_names(c)]
        return sorted(matches, key=lambda c: c.type)[0] if matches else None

    def find(self, departement: str, name: str) -> list[Commune]:
        """The communes (current first) named `name` in `departement`."""
        found = self.by_departement_name.get((departement, normalize(name)), [])
        return sorted(found, key=lambda c: c.type)


def normalize(name: str) -> str:
    """Names as La Poste writes them: upper case, no accents, hyphens and
    apostrophes as spaces, "ST"/"STE" for Saint/Sainte."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    words = re.sub(r"[-'’.]", " ", text).split()
    words = ["SAINT" if w == "ST" else "SAINTE" if w == "STE" else w for w in words]
    return " ".join(words)


def _postal_names(commune: Commune) -> tuple[str, ...]:
    """How La Poste may write the commune: its name, and for an arrondissement
    of Paris, Lyon or Marseille also "PARIS 03" (the guide's "75003 PARIS 03")."""
    name = normalize(commune.nom)
    number = re.match(r"^(PARIS|LYON|MARSEILLE) (\d+)(ER|E) ARRONDISSEMENT$", name)
    if commune.type == "M" and number:
        return name, f"{number.group(1)} {int(number.group(2)):02d}", f"{number.group(1)} {int(number.group(2))}"
    return (name,)


@cache
def communes() -> Communes:
    """Loaded once per process, on first use (about 0.2 s)."""
    return Communes()
