"""Exporting the student list as CSV or XLSX (docs/directory.md#export).

Only the fields the viewer may see come out, and no cell can become a formula in a spreadsheet:
CSV cells that start with `= + - @` (or a tab or carriage return) are prefixed with `'`
(`core.exports`), and XLSX cells are written as text cells, never formulas.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Any

from campus.core.exports import csv_bytes
from campus.students import services
from campus.students.models import Student
from campus.users.models import User

PUBLIC_COLUMNS = ("id", "last_name", "first_name", "major", "course")
FULL_COLUMNS = (
    *PUBLIC_COLUMNS,
    "major_id",
    "enrollment_year",
    "date_of_birth",
    "email",
    "phone_number",
    "address",
    "special_notes",
    "user_id",
)
BATCH = 500
MIME = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def columns_for(viewer: User) -> tuple[str, ...]:
    """The columns this viewer may export: the public ones, or the whole record."""
    return FULL_COLUMNS if viewer.can("directory.read_full") else PUBLIC_COLUMNS


def matching_students(viewer: User, filters: dict[str, Any]) -> Iterator[Student]:
    """Every student the list shows with these filters, page after page (keyset, `BATCH` a page)."""
    filters = {key: value for key, value in filters.items() if key != "cursor"}
    cursor = None
    while True:
        result = services.list_students(viewer, limit=BATCH, cursor=cursor, **filters)
        yield from result["items"]
        cursor = result["next_cursor"]
        if cursor is None:
            return


def values(students: Iterable[Student], columns: tuple[str, ...]) -> list[list[Any]]:
    """The cells of each student's row (read from the database; writing the file can then run
    in a thread off the event loop)."""
    return [[_value(student, column) for column in columns] for student in students]


def _value(student: Student, column: str) -> Any:
    if column == "major":
        return student.major.name
    value = getattr(student, column)
    return value.isoformat() if hasattr(value, "isoformat") else value


def to_csv(rows: list[list[Any]], columns: tuple[str, ...]) -> bytes:
    return csv_bytes(columns, rows)


def to_xlsx(rows: list[list[Any]], columns: tuple[str, ...]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Students")
    sheet.append(list(columns))
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text, even when it starts with "=": never a formula
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
