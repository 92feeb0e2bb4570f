"""Reading student files for `flask students import`: JSON (a list of objects) or CSV (a header row).

CSV cells are text, so whole numbers in the numeric columns become integers and an empty
`user_id` means no account; everything else is left for `StudentWriteSchema` to judge, exactly
as if the row had come through the API.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

INTEGER_COLUMNS = ("enrollment_year", "course", "major_id", "user_id")
WHOLE_NUMBER = re.compile(r"^[+-]?\d{1,16}$")


class UnreadableFile(ValueError):
    """The file as a whole can't be read (not JSON, not a list, unknown format)."""


def read_rows(path: Path, file_format: str | None = None) -> list[Any]:
    """The records of a JSON or CSV file (format from `file_format` or the extension);
    `UnreadableFile` when the file as a whole can't be read."""
    file_format = (file_format or path.suffix.lstrip(".")).lower()
    text = path.read_text(encoding="utf-8-sig")
    if file_format == "json":
        return _json_rows(text)
    if file_format == "csv":
        return _csv_rows(text)
    raise UnreadableFile(f"unknown format {file_format!r}: use a .json or .csv file, or --format")


def _json_rows(text: str) -> list[Any]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise UnreadableFile(f"not valid JSON: {error}") from None
    if isinstance(data, dict) and isinstance(data.get("students"), list):
        data = data["students"]
    if not isinstance(data, list):
        raise UnreadableFile('the JSON must be a list of student objects (or {"students": [...]})')
    return data


def _csv_rows(text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise UnreadableFile("the CSV has no header row")
    rows = []
    for record in reader:
        row: dict[str, Any] = {}
        for column, value in record.items():
            if column is None:  # more cells than header columns
                row["_extra"] = value
                continue
            value = (value or "").strip()
            if column in INTEGER_COLUMNS:
                if value == "":
                    if column == "user_id":
                        row[column] = None
                    continue
                if WHOLE_NUMBER.match(value):
                    row[column] = int(value)
                    continue
            row[column] = value
        rows.append(row)
    return rows
