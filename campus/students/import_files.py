"""Reading an import file's records: JSON, CSV (any common dialect) and XLSX (docs/directory.md#import).

Pure functions of the file's bytes — no database, no app context — so a page can run them in a
thread off the event loop (`core.concurrency.offload`). CSV and XLSX cells are text, so whole
numbers in the numeric columns become integers and an empty `user_id` means no account;
everything else is left for `StudentWriteSchema` to judge, exactly as if the row had come
through the API.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import date, datetime
from typing import Any

FORMATS = ("csv", "xlsx", "json")
INTEGER_COLUMNS = ("enrollment_year", "course", "major_id", "user_id")
WHOLE_NUMBER = re.compile(r"^[+-]?\d{1,16}$")
MAX_ROWS = 20_000
# An XLSX is a zip: what its parts may unpack to, and how much smaller than that they may be
# (a real workbook compresses text about 5-20×; a zip bomb by thousands). A formula cell
# stays its formula text (`=…`), which importing refuses.
MAX_UNPACKED = 200 * 1024 * 1024
MAX_RATIO = 200


class UnreadableFile(ValueError):
    """The file as a whole can't be read; `reason` names why (for a translated message), the
    text says it in English (the command line)."""

    def __init__(self, reason: str, text: str):
        super().__init__(text)
        self.reason = reason


def file_format_of(filename: str, file_format: str | None = None) -> str:
    """The format named by `file_format` or the file name's extension; `UnreadableFile` if neither."""
    name = (file_format or (filename.rpartition(".")[2] if "." in filename else "")).lower()
    if name not in FORMATS:
        raise UnreadableFile("format", f"unknown format {name!r}: use a .csv, .xlsx or .json file, or --format")
    return name


def read_upload(data: bytes, filename: str, file_format: str | None = None) -> list[Any]:
    """The records of a CSV, XLSX or JSON file, at most `MAX_ROWS` of them."""
    kind = file_format_of(filename, file_format)
    if kind == "xlsx":
        rows: list[Any] = _xlsx_rows(data)
    else:
        text = _decode(data)
        rows = _json_rows(text) if kind == "json" else _csv_rows(text)
    if len(rows) > MAX_ROWS:
        raise UnreadableFile("rows", f"more than {MAX_ROWS} rows: split the file")
    return rows


def _decode(data: bytes) -> str:
    """UTF-8 (with or without a BOM), else Windows-1251 — what spreadsheets here save."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251")
    except UnicodeDecodeError:
        raise UnreadableFile("encoding", "not UTF-8 or Windows-1251 text") from None


def _json_rows(text: str) -> list[Any]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise UnreadableFile("json", f"not valid JSON: {error}") from None
    if isinstance(data, dict) and isinstance(data.get("students"), list):
        data = data["students"]
    if not isinstance(data, list):
        raise UnreadableFile("json_shape", 'the JSON must be a list of student objects (or {"students": [...]})')
    return data


def _csv_rows(text: str) -> list[dict[str, Any]]:
    header = text.split("\n", 1)[0]
    # Spreadsheets with a comma as the decimal separator save CSV with semicolons.
    delimiter = max((",", ";", "\t"), key=header.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        columns = next(reader, None)
        if not columns or not any(column.strip() for column in columns):
            raise UnreadableFile("header", "the CSV has no header row")
        return [_record(columns, cells) for cells in _bounded(reader) if any(cell.strip() for cell in cells)]
    except csv.Error as error:
        raise UnreadableFile("csv", f"not valid CSV: {error}") from None


def _bounded(rows):
    for number, row in enumerate(rows):
        if number >= MAX_ROWS:
            raise UnreadableFile("rows", f"more than {MAX_ROWS} rows: split the file")
        yield row


def _record(columns: list[str], cells: list[Any]) -> dict[str, Any]:
    """One row as the API's body: columns by name, whole numbers in number columns."""
    row: dict[str, Any] = {}
    for column, value in zip(columns, cells, strict=False):
        column = (column or "").strip().lower()
        if not column:
            if value not in (None, ""):
                row["_extra"] = value
            continue
        row[column] = _cell(column, value)
    if len(cells) > len(columns) and any(cell not in (None, "") for cell in cells[len(columns) :]):
        row["_extra"] = list(cells[len(columns) :])
    return {key: value for key, value in row.items() if value is not _MISSING}


_MISSING = object()


def _cell(column: str, value: Any) -> Any:
    if isinstance(value, datetime):
        value = value.date().isoformat()
    elif isinstance(value, date):
        value = value.isoformat()
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value if column in INTEGER_COLUMNS else str(value)
    value = "" if value is None else str(value).strip()
    if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@"):
        value = value[1:]  # a cell an export neutralised (`exporting.neutralise`)
    if column in INTEGER_COLUMNS:
        if value == "":
            return None if column == "user_id" else _MISSING
        if WHOLE_NUMBER.match(value):
            return int(value)
    return value


def _xlsx_rows(data: bytes) -> list[dict[str, Any]]:
    _check_zip(data)
    from openpyxl import load_workbook  # only the import pages and command need it

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise UnreadableFile("xlsx", f"not a readable XLSX workbook: {type(error).__name__}") from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        columns = [str(cell or "") for cell in next(rows, None) or ()]
        if not any(column.strip() for column in columns):
            raise UnreadableFile("header", "the sheet has no header row")
        records = []
        for cells in _bounded(rows):
            if all(cell in (None, "") for cell in cells):
                continue
            records.append(_record(columns, cells))
        return records
    finally:
        workbook.close()


def _check_zip(data: bytes) -> None:
    """Refuse a zip that unpacks to far more than it weighs, before anything unpacks it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise UnreadableFile("xlsx", "not a readable XLSX workbook") from None
    unpacked = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members) or 1
    if unpacked > MAX_UNPACKED or (unpacked > 10 * 1024 * 1024 and unpacked / packed > MAX_RATIO):
        raise UnreadableFile("zip_bomb", "the workbook unpacks to far more than its size: refused")
