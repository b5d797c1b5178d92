"""French wording shared by the service's pages, mails and PDF."""
import math
from datetime import datetime, timedelta

from common.clock import PARIS

NBSP = "\u00a0"


def fr_date(instant: datetime) -> str:
    return instant.astimezone(PARIS).strftime("%d/%m/%Y")


def fr_time(instant: datetime) -> str:
    """19 h 08 (non-breaking spaces)."""
    local = instant.astimezone(PARIS)
    return f"{local.hour}{NBSP}h{NBSP}{local.strftime('%M')}"


def fr_datetime(instant: datetime) -> str:
    return f"{fr_date(instant)} à {fr_time(instant)}"


def time_left(delta: timedelta) -> str:
    """"2 jours et 3 heures", "5 heures et 12 minutes": begun minutes count,
    so the page never shows less time than is left."""
    minutes = max(1, math.ceil(delta.total_seconds() / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)

    def unit(n, word):
        return f"{n} {word}{'s' if n > 1 else ''}"

    if days:
        parts = [unit(days, "jour")] + ([unit(hours, "heure")] if hours else [])
    elif hours:
        parts = [unit(hours, "heure")] + ([unit(mins, "minute")] if mins else [])
    else:
        parts = [unit(mins, "minute")]
    return " et ".join(parts)


def school_year_label(annee: int) -> str:
    return f"{annee}-{annee + 1}"


def typo(text: str) -> str:
    """French typography: a non-breaking space before : ; ? ! and inside « »."""
    for mark in (":", ";", "?", "!", "»"):
        text = text.replace(f" {mark}", f"{NBSP}{mark}")
    return text.replace("« ", f"«{NBSP}")
