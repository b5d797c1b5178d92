"""Openings: which establishment opened a feature service for which school
year (ARCHITECTURE rule 4: owned by the service it opens, set by the school's
staff from the gateway's administration pages).

A service adds `class Opening(OpeningMixin, Base)` to its models and points
`FeatureContract.opening_model` at it.
"""
from datetime import datetime

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from common.db import UtcDateTime


class OpeningMixin:
    __tablename__ = "opening"

    etablissement_uai: Mapped[str] = mapped_column(String(8), primary_key=True)
    annee_scolaire: Mapped[int] = mapped_column(Integer, primary_key=True)
    is_open: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    changed_by: Mapped[int | None] = mapped_column(Integer)
