"""The majors table.

`Major.student_count` is a query, never a stored counter: the students domain attaches it
(`campus.students.models`) because majors sit below students and must not import them.
"""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from campus.core.models import TimestampMixin
from campus.extensions import db


class Major(TimestampMixin, db.Model):
    __tablename__ = "majors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # casefold(name): uniqueness regardless of case, Cyrillic included, on every database.
    name_key: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(String(1000), default="")

    @staticmethod
    def key_for(name: str) -> str:
        return name.strip().casefold()

    def __repr__(self) -> str:
        return f"<Major {self.id} {self.name}>"
