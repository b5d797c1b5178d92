"""Rows of a back-office file import (notes, vie scolaire): blank cells read as
missing values, and a refusal that lists every faulty line in French, in line
order, so that a file is accepted whole or refused whole with its report."""
from common.errors import ValidationError
from common.schemas import FrenchDate, FrenchDateTime


class RowDate(FrenchDate):
    """A file's date: its refusal follows "Ligne 12, colonne « date » : "."""

    default_error_messages = {"invalid": "date attendue au format jj/mm/aaaa."}


class RowDateTime(FrenchDateTime):
    """A file's date and time (Paris time unless it gives an offset)."""

    default_error_messages = {"invalid": "date et heure attendues au format jj/mm/aaaa hh:mm."}


# Past this many faulty lines, the rest are only counted.
MAX_MESSAGES = 100


class Messages:
    """The refusal's messages, in line order."""

    def __init__(self):
        self.items: list[tuple[int, str]] = []

    def add(self, line: int, message: str, column: str | None = None) -> None:
        where = f"Ligne {line}, colonne « {column} »" if column else f"Ligne {line}"
        self.items.append((line, f"{where} : {message}"))

    def add_schema_errors(self, line: int, errors: dict) -> None:
        for column, messages in errors.items():
            for message in flatten(messages):
                self.add(line, message, None if column == "_schema" else column)

    def raise_if_any(self) -> None:
        if self.items:
            ordered = [text for _line, text in sorted(self.items, key=lambda item: item[0])]
            shown = ordered[:MAX_MESSAGES]
            if len(ordered) > MAX_MESSAGES:
                shown.append(f"… et {len(ordered) - MAX_MESSAGES} autre(s) erreur(s).")
            raise ValidationError({"lignes": shown})


def flatten(messages):
    """Every message of a marshmallow error tree, depth first."""
    if isinstance(messages, dict):
        for value in messages.values():
            yield from flatten(value)
    elif isinstance(messages, list):
        for value in messages:
            yield from flatten(value)
    else:
        yield str(messages)


def clean_row(row) -> dict:
    """Blank cells are missing values; column names are trimmed, lower case."""
    if not isinstance(row, dict):
        return {}
    out = {}
    for key, value in row.items():
        if isinstance(value, str):
            value = value.strip()
            if not value:
                continue
        if value is None:
            continue
        out[str(key).strip().lower()] = value
    return out
