"""The students table, and `Major.student_count` (a correlated count, never a stored counter)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, Integer, String, event, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from campus.core.models import TimestampMixin
from campus.extensions import db
from campus.majors.models import Major


def search_key(text: str) -> str:
    """Folded for search: case-insensitive (Cyrillic too) and `ё` found by `е`."""
    return text.casefold().replace("ё", "е")


class Student(TimestampMixin, db.Model):
    __tablename__ = "students"
    __table_args__ = (
        # One index per list filter and sort (bench/students_api.py, docs/performance.md): each
        # ends in the sort's columns and `id`, so a page of 50 is an index range, never a sort of
        # every matching row. The name indexes carry `search_name` and `email` too, so a search
        # reads the index alone and fetches only matching rows (a rare name on 100k: 560 -> 70 ms).
        Index("ix_students_name", "last_name", "first_name", "id", "search_name", "email"),
        Index("ix_students_major_name", "major_id", "last_name", "first_name", "id", "search_name", "email"),
        Index("ix_students_course_name", "course", "last_name", "first_name", "id"),
        Index("ix_students_year_name", "enrollment_year", "last_name", "first_name", "id"),
        Index("ix_students_major_year", "major_id", "enrollment_year", "last_name", "first_name", "id"),
        Index("ix_students_course_year", "course", "enrollment_year", "last_name", "first_name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date] = mapped_column(Date)
    # Stored lower-cased, so the unique constraint is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    phone_number: Mapped[str] = mapped_column(String(20))  # E.164
    address: Mapped[str] = mapped_column(String(200))
    enrollment_year: Mapped[int] = mapped_column(Integer)
    course: Mapped[int] = mapped_column(Integer)
    major_id: Mapped[int] = mapped_column(ForeignKey("majors.id", ondelete="RESTRICT"))
    major: Mapped[Major] = relationship(lazy="joined", innerjoin=True)
    special_notes: Mapped[str] = mapped_column(String(500), default="")
    # The stored photo's media key (see campus.media.images); None without a photo.
    photo_key: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), unique=True)
    # search_key("first last / last first"): a plain LIKE over it needs no per-row function call.
    search_name: Mapped[str] = mapped_column(String(410))

    @staticmethod
    def search_name_for(first_name: str, last_name: str) -> str:
        return search_key(f"{first_name} {last_name} / {last_name} {first_name}")

    def refresh_search_name(self) -> None:
        self.search_name = self.search_name_for(self.first_name or "", self.last_name or "")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def membership(self) -> tuple[int | None, int, int]:
        """What campus chats follow: (user_id, major_id, enrollment_year)."""
        return (self.user_id, self.major_id, self.enrollment_year)

    def __repr__(self) -> str:
        return f"<Student {self.id} {self.full_name}>"


# Attached here because majors must not import students; deferred so that loading a student's
# major (joined on every list row) never runs the count.
Major.student_count = column_property(
    select(func.count(Student.id)).where(Student.major_id == Major.id).correlate_except(Student).scalar_subquery(),
    deferred=True,
)


@event.listens_for(Student, "before_insert")
@event.listens_for(Student, "before_update")
def _keep_search_name(_mapper, _connection, student: Student) -> None:
    # Bulk inserts (bench, tests) bypass this and fill `search_name` with `search_name_for`.
    student.refresh_search_name()
