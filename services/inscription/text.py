"""French wording of the service's own (time left, school year); dates, times
and typography come from common/typography.py, as everywhere else."""
import math
from datetime import timedelta



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
