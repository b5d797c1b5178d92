"""The daily jobs: the purge (lifecycle.purge), old throttle counts and old
news. Run at most once per French day, whichever process gets there first."""
import json

from sqlalchemy import select

from services.accounts import lifecycle, news, throttle
from services.accounts.models import JobRun


def run_daily(db, now, today) -> dict | None:
    """Runs the jobs and commits, or returns None if today's run was done.
    The row lock keeps two accounts processes from purging together."""
    row = db.scalar(select(JobRun).where(JobRun.name == "purge").with_for_update())
    if row is not None and row.last_day >= today:
        db.rollback()
        return None
    report = lifecycle.purge(db, now, client="purge quotidienne")
    report["limites_effacees"] = throttle.forget_old(db, now)
    report["nouveautes_effacees"] = news.forget_old(db, now)
    if row is None:
        row = JobRun(name="purge")
        db.add(row)
    row.last_day, row.last_run_at, row.report = today, now, json.dumps(report)
    db.commit()
    return report
