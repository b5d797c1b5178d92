"""`make bench` (issue 19, "Scale"): a full SIECLE import and the rollover to
the next school year of a generated académie, and the import of one large
establishment, through the real accounts service over RabbitMQ.

On a virtual host and a database of its own, the accounts service runs as
`make run` runs it. The académie (by default 50 establishments, 35 collèges
and 15 lycées, 40 000 students, two guardians each) is written as SIECLE
files with tools/siecle_writer.py, then:

- baseline: the same files only read and turned into payloads (no service),
  in records per second — what the import cannot beat;
- year N: every establishment imported (tools.import_siecle.import_files);
- year N+1: the clock moved to the rentrée, the new year's files (classes
  moved up, 3e to the lycées with their INE, terminales gone, new 6e and
  seconde) run through the rollover (tools.rentree.run);
- the same rollover again (changes nothing);
- one establishment of 1 500 students, imported on its own: seconds, with
  its report.

Records are students + persons + links. The peak memory of the accounts
process (VmHWM, reset before each phase) is printed against its 100 MB target
and against its resident memory when idle, measured in the same run, with its
resident memory after each phase (what the process keeps: the next phase's
peak starts from there). An establishment of import_child.CHILD_FROM_STUDENTS
students or more is imported in a short-lived child process of the accounts
process (services/accounts/import_child.py): the highest peak of those
children during the phase is printed too, as the service logs it.

Usage: python -m bench.rentree [--etablissements 50] [--eleves 40000] [--gros 1500]
       [--backend sqlite|postgresql]
"""
import argparse
import random
import re
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

from common.clock import Clock
from common.db import upgrade
from common.rpc_client import RpcClient
from services.accounts.siecle import read_paths
from tests.fixtures import Databases, VirtualHosts
from tools import rentree, siecle_writer
from tools.cluster import Cluster
from tools.import_siecle import format_report, import_files

TARGET_MB = 100
YEAR_N = datetime(2026, 10, 5, 8, 0, tzinfo=timezone.utc)
RENTREE = datetime(2027, 9, 2, 8, 0, tzinfo=timezone.utc)
COLLEGE_LEVELS = ("6E", "5E", "4E", "3E")
LYCEE_LEVELS = ("2NDE", "1RE", "TERM")
NOMS = ["MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND", "LEROY", "MOREAU",
        "SIMON", "LAURENT", "LEFEBVRE", "MICHEL", "GARCIA", "DAVID", "BERTRAND", "ROUX", "VINCENT", "FOURNIER",
        "MOREL", "GIRARD", "ANDRÉ", "LEFÈVRE", "MERCIER", "DUPONT", "LAMBERT", "BONNET", "FRANÇOIS", "MARTINEZ"]
PRENOMS = ["Hugo", "Léa", "Zoé", "Louis", "Emma", "Jules", "Chloé", "Gabriel", "Inès", "Raphaël", "Manon",
           "Arthur", "Jade", "Adam", "Louise", "Nathan", "Alice", "Lucas", "Lina", "Maël", "Anaïs", "Noé"]
ADULTES = ["Philippe", "Claire", "Nathalie", "Karim", "Sophie", "Stéphane", "Isabelle", "Olivier", "Sandrine",
           "Frédéric", "Céline", "Nicolas", "Valérie", "Laurent", "Aurélie", "Yasmina", "Thierry", "Hélène"]


class Academie:
    """Generated establishments: {uai: {"type", "nom", "eleves": [student]}};
    a student carries their guardians."""

    def __init__(self, etablissements: int, eleves: int, seed: int = 19, first_id: int = 1):
        self.rng = random.Random(seed)
        self.next_id = first_id
        self.etabs = {}
        lycees = max(1, etablissements * 3 // 10)
        per = eleves // etablissements
        for i in range(etablissements):
            kind = "lycee" if i < lycees else "college"
            uai = f"{9700000 + i:07d}{'L' if kind == 'lycee' else 'C'}"
            levels = LYCEE_LEVELS if kind == "lycee" else COLLEGE_LEVELS
            self.etabs[uai] = {"type": kind, "nom": f"{'LYCÉE' if kind == 'lycee' else 'COLLÈGE'} N° {i}",
                               "eleves": [self.student(levels[n % len(levels)]) for n in range(per)]}

    def ident(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def student(self, level: str) -> dict:
        rng, nom = self.rng, self.rng.choice(NOMS)
        guardians = [{"personne_id": self.ident(), "civilite": civ, "nom": nom, "prenom": rng.choice(ADULTES),
                      "email": f"p{self.next_id}@example.org" if rng.random() < 0.7 else None}
                     for civ in ("M.", "MME")]
        return {"eleve_id": self.ident(), "ine": f"{self.next_id:09d}AB", "nom": nom, "prenom": rng.choice(PRENOMS),
                "date_naissance": date(2008 + rng.randrange(8), 1 + rng.randrange(12), 1 + rng.randrange(28)),
                "classe": f"{level}{'ABCDEF'[rng.randrange(6)]}", "guardians": guardians}

    def next_year(self) -> None:
        """The rentrée: each student one level up; 3e go to a lycée (same INE,
        new SIECLE ids there), terminales leave, new 6e arrive."""
        lycees = [u for u, e in self.etabs.items() if e["type"] == "lycee"]
        movers = []
        for etab in self.etabs.values():
            levels = LYCEE_LEVELS if etab["type"] == "lycee" else COLLEGE_LEVELS
            kept = []
            for s in etab["eleves"]:
                level = next(lv for lv in levels if s["classe"].startswith(lv))
                index = levels.index(level)
                if index == len(levels) - 1:
                    if etab["type"] == "college":
                        movers.append(s)
                    continue
                kept.append({**s, "classe": levels[index + 1] + s["classe"][len(level):]})
            if etab["type"] == "college":
                kept += [self.student("6E") for _ in range(len(etab["eleves"]) - len(kept))]
            etab["eleves"] = kept
        for n, s in enumerate(movers):
            guardians = [{**g, "personne_id": self.ident()} for g in s["guardians"]]
            self.etabs[lycees[n % len(lycees)]]["eleves"].append(
                {**s, "eleve_id": self.ident(), "classe": "2NDEA", "guardians": guardians})

    def write(self, folder: Path, annee: int) -> Path:
        exported = datetime(annee, 9, 1, 7, 0)
        for uai, etab in self.etabs.items():
            eleves = [{**s, "elenoet": s["eleve_id"], "sexe": "1", "date_entree": date(annee, 9, 1)}
                      for s in etab["eleves"]]
            personnes = [g for s in etab["eleves"] for g in s["guardians"]]
            liens = [{"eleve_id": s["eleve_id"], "personne_id": g["personne_id"], "niveau": 1, "code_parente": "20"}
                     for s in etab["eleves"] for g in s["guardians"]]
            siecle_writer.write(folder / uai / "ElevesSansAdresses.xml", siecle_writer.eleves_xml(uai, annee, exported, eleves))
            siecle_writer.write(folder / uai / "ResponsablesAvecAdresses.xml",
                                siecle_writer.responsables_xml(uai, annee, exported, personnes, liens, []))
        return folder

    def records(self) -> int:
        return sum(len(e["eleves"]) * 5 for e in self.etabs.values())  # 1 student, 2 persons, 2 links


class Memory:
    """The accounts process's peak resident memory, reset per phase."""

    def __init__(self, pid: int):
        self.pid = pid

    def _status(self, key: str) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1]) / 1024
        raise KeyError(key)

    def reset(self) -> None:
        # "5" resets the peak resident set size (proc(5), clear_refs).
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")

    def rss(self) -> float:
        return self._status("VmRSS:")

    def peak(self) -> float:
        return self._status("VmHWM:")


class ChildPeaks:
    """The import children's peaks, read from the accounts service's log
    (services/accounts/service.py logs each one) since the last reading."""

    PATTERN = re.compile(r"in a child process, its peak ([0-9.]+) MB")

    def __init__(self, log: Path):
        self.log, self.offset = log, 0

    def since_last(self) -> list[float]:
        with self.log.open("rb") as f:
            f.seek(self.offset)
            text = f.read().decode(errors="replace")
            self.offset = f.tell()
        return [float(m) for m in self.PATTERN.findall(text)]


def phase(label: str, records: int, seconds: float, memory: Memory | None = None,
          children: ChildPeaks | None = None) -> None:
    line = f"  {label:<44} {records:>8} records in {seconds:7.1f} s = {records / seconds:8.0f} records/s"
    if memory is not None:
        peak = memory.peak()
        line += (f", accounts peak {peak:5.1f} MB (target {TARGET_MB}: {'met' if peak < TARGET_MB else 'NOT met'}),"
                 f" {memory.rss():5.1f} MB after")
    if children is not None:
        peaks = children.since_last()
        line += (f"; {len(peaks)} import children, their highest peak {max(peaks):5.1f} MB" if peaks
                 else "; no import child")
    print(line, flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--etablissements", type=int, default=50)
    parser.add_argument("--eleves", type=int, default=40000)
    parser.add_argument("--gros", type=int, default=1500, help="students of the one large establishment")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args(argv)
    vhosts = VirtualHosts()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        databases = Databases(tmp)
        try:
            url = databases.new(args.backend, "bench_accounts")
            upgrade("accounts", url)
            env = {"AMQP_URI": vhosts.new("bench-rentree"), "ACCOUNTS_DATABASE_URL": url,
                   "SCOLARITE_VAR_DIR": str(tmp / "var"), "SCOLARITE_CLOCK_FILE": str(tmp / "clock.json"),
                   # INFO: the import children's peaks (ChildPeaks).
                   "SCOLARITE_LOG_LEVEL": "INFO", "SCOLARITE_JOBS_CHECK_SECONDS": "86400",
                   "SCOLARITE_DEPLOY_FILE": str(tmp / "services.yml")}
            (tmp / "services.yml").write_text("services:\n  accounts: {required: true}\n  mailer: {required: true}\n")
            clock = Clock(str(tmp / "clock.json"))
            clock.move_to(YEAR_N)
            cluster = Cluster(env, tmp / "logs")
            accounts = cluster.service("accounts")
            cluster.start_all()
            memory = Memory(accounts.popen.pid)
            children = ChildPeaks(tmp / "logs" / "accounts.log")
            rpc = RpcClient(env["AMQP_URI"], timeout=600, client_name="bench")
            try:
                academie = Academie(args.etablissements, args.eleves)
                folder_n = academie.write(tmp / "annee-n", 2026)
                records_n = academie.records()
                print(f"Rentrée benchmark: {args.etablissements} establishments, {args.eleves} students "
                      f"({records_n} records), {args.backend}", flush=True)
                print(f"  accounts process idle: {memory.rss():.1f} MB resident", flush=True)

                started = time.perf_counter()
                for uai in academie.etabs:
                    lecture = read_paths(sorted((folder_n / uai).iterdir()), uai)
                    lecture.payload({"uai": uai})
                phase("baseline: files read, no service", records_n, time.perf_counter() - started)

                children.since_last()
                memory.reset()
                started = time.perf_counter()
                resident = []
                for uai, etab in academie.etabs.items():
                    import_files(rpc, sorted((folder_n / uai).iterdir()), uai, nom=etab["nom"], type_=etab["type"])
                    resident.append(memory.rss())
                phase("year N: full SIECLE import", records_n, time.perf_counter() - started, memory, children)
                # Whether the process grows with the number of imports or levels off.
                shown = sorted({n for n in (1, 2, 5, 10, 20, 30, 40, 50, len(resident)) if n <= len(resident)})
                print("    resident after establishment " + ", ".join(f"{n}: {resident[n - 1]:.1f}" for n in shown)
                      + " MB", flush=True)

                clock.move_to(RENTREE)
                academie.next_year()
                folder_n1 = academie.write(tmp / "annee-n1", 2027)
                records_n1 = academie.records()
                memory.reset()
                started = time.perf_counter()
                result = rentree.run(rpc, folder_n1, 2027)
                phase("year N+1: rollover", records_n1, time.perf_counter() - started, memory, children)
                total = result["total"]
                refused = [r["uai"] for r in result["etablissements"] if "refus" in r]
                print(f"    {len(result['etablissements']) - len(refused)} establishments, refused: {refused or 'none'};"
                      f" students {total['eleves']}, new {total['nouveaux']}, left {total['sortis']}, "
                      f"accounts kept on a move {total['suivis']}, accounts created {total['comptes_crees']}",
                      flush=True)

                memory.reset()
                started = time.perf_counter()
                again = rentree.run(rpc, folder_n1, 2027)
                phase("the same rollover again", records_n1, time.perf_counter() - started, memory, children)
                print(f"    unchanged students {again['total']['inchanges']}, new {again['total']['nouveaux']}, "
                      f"left {again['total']['sortis']}", flush=True)

                big = Academie(1, args.gros, seed=1500, first_id=10**8)
                big.etabs = {"0979999X": {**next(iter(big.etabs.values())), "nom": "GRAND LYCÉE"}}
                folder_big = big.write(tmp / "gros", 2027)
                memory.reset()
                started = time.perf_counter()
                report = import_files(rpc, sorted((folder_big / "0979999X").iterdir()), "0979999X",
                                      nom="GRAND LYCÉE", type_="lycee")
                seconds = time.perf_counter() - started
                phase(f"one establishment of {args.gros} students", big.records(), seconds, memory, children)
                summary = format_report(report).split("\nIgnorés")[0]
                print("    " + summary.replace("\n", "\n    "), flush=True)
            finally:
                rpc.close()
                cluster.stop_all()
        finally:
            databases.cleanup()
            vhosts.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
