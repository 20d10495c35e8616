"""Spreadsheets that users upload (CSV or XLSX), read within limits before anything is built.

Every limit is checked while reading, never after: the bytes of the file; for a workbook, what its
archive unpacks to (measured by unpacking, not taken from the archive's own headers) and then rows,
columns and characters per cell, read row by row with the sheet's declared size ignored. A file past
a limit is refused with the limit named; nothing past it is read.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

from .msgid import N_, RuleError


class SheetError(RuleError, ValueError):
    """The file cannot be read, or passes a limit (named in the message's params)."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int  # rows after the header
    max_columns: int = 30
    max_cell_chars: int = 300
    max_unpacked_bytes: int = 40 * 1024 * 1024  # an .xlsx's XML, all parts together
    max_blank_rows: int = 10_000  # empty rows in a row: a sheet padded to its last row is refused


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def read_sheet(data: bytes, filename: str, limits: Limits) -> list[list[object]]:
    """The first sheet's rows (header first), without trailing blank rows."""
    if len(data) > limits.max_bytes:
        raise SheetError(N_("the file is larger than %(max)s"), max=_megabytes(limits.max_bytes))
    name = filename.lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data, limits)
    elif name.endswith(".csv"):
        rows = _csv_rows(data)
    else:
        raise SheetError(N_("upload a .csv or .xlsx file"))
    return _bounded(rows, limits)


def _bounded(rows, limits: Limits) -> list[list[object]]:  # type: ignore[no-untyped-def]
    kept: list[list[object]] = []
    blank_run = 0
    for number, row in enumerate(rows, start=1):
        cells = list(row)
        while cells and cells[-1] in (None, ""):
            cells.pop()
        if not cells:
            blank_run += 1
            if blank_run > limits.max_blank_rows:  # refused, not cut: rows may follow the gap
                raise SheetError(N_("more than %(max)d empty rows in a row"), max=limits.max_blank_rows)
            kept.append(cells)
            continue
        blank_run = 0
        if len(cells) > limits.max_columns:
            raise SheetError(
                N_("row %(row)d has more than %(max)d columns"), row=number, max=limits.max_columns
            )
        for column, value in enumerate(cells, start=1):
            if value is not None and len(str(value)) > limits.max_cell_chars:
                raise SheetError(
                    N_("row %(row)d, column %(column)d: more than %(max)d characters"),
                    row=number,
                    column=column,
                    max=limits.max_cell_chars,
                )
        kept.append(cells)
        if len(kept) - 1 > limits.max_rows:
            raise SheetError(N_("more than %(max)d rows"), max=limits.max_rows)
    while kept and not kept[-1]:
        kept.pop()
    return kept


def _csv_rows(data: bytes):  # type: ignore[no-untyped-def]
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK by default
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SheetError(N_("the file is neither UTF-8 nor GBK text"))
    # newline="" as the csv module asks: a bare CR (Excel for Mac) is a line end, not a _csv.Error
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        yield from reader
    except csv.Error as exc:  # a field over the csv module's 128 KiB limit (an unclosed quote)
        raise SheetError(
            N_("the CSV file is malformed: a field is too long or a quote is not closed")
        ) from exc


def _check_unpacked(data: bytes, limits: Limits) -> None:
    """Unpack every part, counting, and stop at the limit: the sizes an archive declares can lie."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        total = 0
        for part in archive.infolist():
            with archive.open(part) as stream:
                while chunk := stream.read(64 * 1024):
                    total += len(chunk)
                    if total > limits.max_unpacked_bytes:
                        raise SheetError(
                            N_("the workbook unpacks to more than %(max)s"),
                            max=_megabytes(limits.max_unpacked_bytes),
                        )
    except SheetError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged archive fails in many ways (zlib, zipfile, EOF)
        raise SheetError(N_("the file is not a readable .xlsx workbook")) from exc


def _xlsx_rows(data: bytes, limits: Limits):  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook  # imported here: only uploads of .xlsx need it

    _check_unpacked(data, limits)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise SheetError(N_("the file is not a readable .xlsx workbook")) from exc
    try:
        if not book.worksheets:
            raise SheetError(N_("the file is not a readable .xlsx workbook"))
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # the declared size is the file's word, not a fact: read what is there
        # One column past the limit, so that a wide row is seen and refused rather than cut.
        yield from sheet.iter_rows(max_col=limits.max_columns + 1, values_only=True)
    except SheetError:
        raise
    except Exception as exc:  # noqa: BLE001 - read_only parses lazily: a damaged sheet fails here
        raise SheetError(N_("the file is not a readable .xlsx workbook")) from exc
    finally:
        book.close()
