"""A large establishment's SIECLE import in a short-lived child process
(issue 19, docs/performance.md "the accounts process during the rentrée
import"): the import's objects, what SQLAlchemy compiles and caches for it,
the allocator's arenas it grows and SQLite's page cache then live and die
with the child, and the accounts process's resident memory stays where it
was before the import, whatever the number of establishments imported.

The child runs `importing.import_siecle` unchanged, on its own connection to
the service's database, and commits it itself: in the same transaction, the
row saying the command's idempotency key ran (common/idempotency.py,
`record_elsewhere`), so the import and "this key ran" are still saved
together or not at all. It imports only what the import needs (no Nameko
service, no broker, no password hashing).

The parent writes the job as JSON lines on the child's standard input (a
header, then one line per record, so that the message is never held twice as
one string), and reads the answer on its standard output: the report, the
refusal, or the payload's validation errors, with the child's peak resident
memory.
"""
import json
import subprocess
import sys
import threading
from datetime import date, datetime

# Students from which an import runs in a child: below, the import's memory is
# small (a school of 300 students, about 2 MB of objects) and starting a
# process costs more (one to three seconds) than it saves.
CHILD_FROM_STUDENTS = 300


# One child at a time per accounts process, as the imports ran before (an
# import in the process holds the hub: SQLite's calls do not yield): two
# children would wait on each other's writes (SQLite's lock).
_ONE_AT_A_TIME = threading.Lock()


class ChildFailed(RuntimeError):
    """The child process stopped without an answer (its standard error says why)."""


def wanted(payload) -> bool:
    eleves = payload.get("eleves") if isinstance(payload, dict) else None
    return isinstance(eleves, list) and len(eleves) >= CHILD_FROM_STUDENTS


def _job_lines(job: dict, payload: dict):
    lists = {k: len(v) for k, v in payload.items() if isinstance(v, list)}
    rest = {k: v for k, v in payload.items() if k not in lists}
    yield json.dumps({**job, "lists": lists, "rest": rest})
    for key in lists:
        for item in payload[key]:
            yield json.dumps(item)


def run(database_url: str, payload: dict, now: datetime, today: date, confirm: bool, dry_run: bool,
        record: dict | None) -> dict:
    """Run the import in a child; its answer (see `main`)."""
    from common.config import ROOT  # the parent's (the child does not load the settings)

    job = {"url": database_url, "now": now.isoformat(), "today": today.isoformat(), "confirm": confirm,
           "dry_run": dry_run, "record": record and {**record, "created_at": record["created_at"].isoformat()}}
    with _ONE_AT_A_TIME:
        child = subprocess.Popen([sys.executable, "-m", "services.accounts.import_child"], cwd=str(ROOT),
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            for line in _job_lines(job, payload):
                child.stdin.write(line.encode() + b"\n")
        except BrokenPipeError:
            pass  # the child stopped early: its standard error says why
        out, err = child.communicate()  # closes the child's standard input
    if child.returncode != 0 or not out:
        raise ChildFailed(f"import child exited with {child.returncode}: {err.decode(errors='replace')[-2000:]}")
    return json.loads(out)


def _read_job(stream) -> tuple[dict, dict]:
    job = json.loads(stream.readline())
    payload = dict(job.pop("rest"))
    for key, count in job.pop("lists").items():
        payload[key] = [json.loads(stream.readline()) for _ in range(count)]
    return job, payload


def _peak_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm import Session

    from common.sql import make_engine
    from common.errors import ValidationError
    from common.idempotency import write_record
    from common.schemas import load_or_raise
    from services.accounts import importing, rentree
    from services.accounts.schemas import SiecleImportSchema

    job, payload = _read_job(sys.stdin)
    try:
        data = load_or_raise(SiecleImportSchema(), payload)
    except ValidationError as exc:
        answer = {"invalid": exc.errors}
    else:
        del payload
        engine = make_engine(job["url"], pool_size=1)
        with Session(engine) as db:
            try:
                report = importing.import_siecle(db, data, datetime.fromisoformat(job["now"]),
                                                 date.fromisoformat(job["today"]), confirm=job["confirm"])
                if job["dry_run"]:
                    db.rollback()
                    answer = {"report": report}
                else:
                    if job["record"]:
                        write_record(db, {**job["record"],
                                          "created_at": datetime.fromisoformat(job["record"]["created_at"])})
                    db.commit()
                    answer = {"report": report, "committed": True}
            except rentree.DetachRefused as refused:
                db.rollback()
                answer = {"refused": refused.report}
            except IntegrityError as exc:
                # Another call with the same key committed first, or a
                # concurrent import took an identifier: the parent answers as
                # the service does in that case (common/idempotency.py).
                db.rollback()
                answer = {"integrity_error": str(exc.orig)}
        engine.dispose()
    answer["peak_mb"] = round(_peak_mb(), 1)
    sys.stdout.write(json.dumps(answer))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
