"""Import and export files for tests: CSV in any dialect and encoding, XLSX workbooks, a zip bomb,
and reading an exported file back."""

from __future__ import annotations

import csv
import io
import zipfile

from openpyxl import Workbook, load_workbook


def columns_of(rows: list[dict]) -> list[str]:
    return list(dict.fromkeys(key for row in rows for key in row))


def csv_bytes(rows: list[dict], *, delimiter: str = ",", encoding: str = "utf-8", bom: bool = False) -> bytes:
    """The rows as a CSV file with a header row."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns_of(rows), delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[dict]) -> bytes:
    """The rows as an XLSX workbook (a cell starting with `=` is a formula)."""
    workbook = Workbook()
    sheet = workbook.active
    columns = columns_of(rows)
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(column) for column in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def zip_bomb_xlsx(unpacked: int = 64 * 1024 * 1024) -> bytes:
    """A small file named like a workbook whose one part unpacks to `unpacked` bytes of zeros."""
    out = io.BytesIO()
    archive = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    with archive, archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
        chunk = b"\0" * (1024 * 1024)
        for _ in range(unpacked // len(chunk)):
            part.write(chunk)
    return out.getvalue()


def read_csv(data: bytes) -> list[list[str]]:
    """An exported CSV's rows (it starts with a UTF-8 BOM)."""
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"))))


def read_xlsx(data: bytes) -> list[list]:
    """An exported workbook's first sheet, as cells (value and type)."""
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [list(row) for row in sheet.iter_rows()]
