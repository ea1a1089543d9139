"""CSV and XLSX files, read from uploads and written as downloads; what the columns mean is each app's own.

Reading (the PO and forecast uploads):
- `upload_read(upload, *, max_bytes)` — the uploaded file's (name, bytes), refused before reading when too large.
- `read_table(name, content, *, max_bytes, max_rows, check_header)` — (header, [(row number, cells)]) of a CSV or
  XLSX file, its header checked before the rest is read; a file that cannot be read as a whole (or has more
  than `max_rows` rows, blank ones included) raises `UploadError`; apps turn each cell problem (`CellError`)
  into a `RowError` (row number, column, message).
- `cell_text(value)` — a cell as stripped text (a spreadsheet's 24.0 is "24").

Writing (the exports; rows are iterated once, lazily, so no size needs a bound):
- `csv_cell(value)` — a value as CSV text, with the formula-injection guard.
- `choice_labels(choices)` — {value: label} in the active language, for the rows' choice columns.
- `csv_stream_response(header, rows, filename)` — a UTF-8 CSV download (with a BOM for spreadsheet programs),
  streamed: the header at once, then the rows as they come from a server-side cursor.
- `csv_write(file, header, rows)` / `xlsx_write(path_or_file, sheets)` — the same files, written by the export job;
  text a spreadsheet would run as a formula stays text in both.
- `xlsx_response(sheets, filename)` — a small XLSX download of one or more `Sheet`s, answered at once.
"""

from __future__ import annotations

import base64
import csv
import datetime
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO

from django.core import signing
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone, translation
from django.utils.translation import gettext as _

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_MAX_BYTES = 2 * 1024 * 1024
UPLOAD_MAX_ROWS = 5000
MAX_COLUMNS = 60
XLSX_MAX_UNPACKED = 64 * 1024 * 1024  # every part of an uploaded workbook, unpacked
XLSX_MAGIC = b"PK\x03\x04"
# Exports: rows fetched per round trip from the server-side cursor, and characters per streamed chunk.
EXPORT_CHUNK_ROWS = 2000
CSV_CHUNK_CHARS = 64 * 1024


# Reading ----------------------------------------------------------------------------------------------
class UploadError(Exception):
    """The file as a whole cannot be read: wrong type, too large, missing columns."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class CellError(ValueError):
    """One cell cannot be read; the app reports it as a RowError on the cell's row and column."""


@dataclass
class RowError:
    row: int
    column: str
    message: str


def _too_large(size: int, max_bytes: int) -> UploadError:
    return UploadError(
        _("The file is %(size)s KB; the limit is %(limit)s KB. Split it into smaller files.") % {"size": size // 1024, "limit": max_bytes // 1024}
    )


CHECKED_UPLOAD_MAX_AGE = 3600  # seconds a dry run's file may be committed without uploading it again


def checked_upload_token(name: str, content: bytes, user, *, salt: str, **extra) -> str:
    """The file a dry run checked, signed for the person who sent it: the commit posts this back instead of the
    file. `extra` (e.g. the vendor chosen) comes back with it."""
    payload = {"name": name, "content": base64.b64encode(content).decode("ascii"), "user": user.pk, **extra}
    return signing.dumps(payload, salt=salt, compress=True)


def checked_upload(token: str, user, *, salt: str) -> dict:
    """{"name", "content" (bytes), and the extras} of a checked file; signing.BadSignature when the token is
    forged, expired or another person's."""
    payload = signing.loads(token, salt=salt, max_age=CHECKED_UPLOAD_MAX_AGE)
    if payload.get("user") != user.pk:
        raise signing.BadSignature("another person's upload")
    return {**payload, "content": base64.b64decode(payload["content"])}


def upload_read(upload, *, max_bytes: int = UPLOAD_MAX_BYTES) -> tuple[str, bytes]:
    """The uploaded file's name and content; a file above the limit is refused before it is read into memory."""
    if upload.size > max_bytes:
        raise _too_large(upload.size, max_bytes)
    return upload.name, upload.read()


def read_table(
    name: str,
    content: bytes,
    *,
    max_bytes: int = UPLOAD_MAX_BYTES,
    max_rows: int = UPLOAD_MAX_ROWS,
    check_header: Callable[[list[str]], None] | None = None,
) -> tuple[list[str], list[tuple[int, list]]]:
    """(header, [(row number, cells)]) of a CSV or XLSX file; row numbers are the spreadsheet's (header = 1).

    Header names are lower case with underscores for spaces; blank rows are skipped but count towards
    `max_rows`, so a file of a million empty rows is refused after `max_rows` of them, not read to the end.
    `check_header(header)` raises UploadError for a header without the columns the app needs: it is
    called before any other row is read."""
    if len(content) > max_bytes:
        raise _too_large(len(content), max_bytes)
    if not content:
        raise UploadError(_("The file is empty."))
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension == "xlsx":
        if not content.startswith(XLSX_MAGIC):
            raise UploadError(_("%(name)s is not a valid XLSX workbook.") % {"name": name})
        rows = _xlsx_rows(name, content, max_rows=max_rows + 2)  # the header, max_rows, and one to tell it is too long
    elif extension == "csv":
        rows = _csv_rows(name, content)
    else:
        raise UploadError(_("%(name)s is not a CSV or XLSX file. Upload a .csv or .xlsx file (use the template).") % {"name": name})
    numbered = []
    header = None
    try:
        for number, cells in enumerate(rows, start=1):
            if header is None:
                header = [str(cell or "").strip().lower().replace(" ", "_") for cell in cells]
                if not header:
                    break
                if check_header is not None:
                    check_header(header)
                continue
            if number > max_rows + 1:
                raise UploadError(_("The file has more than %(max)s lines (blank lines count too). Split it into smaller files.") % {"max": max_rows})
            if all(cell in (None, "") or (isinstance(cell, str) and not cell.strip()) for cell in cells):
                continue
            numbered.append((number, list(cells)))
    except csv.Error as error:
        raise UploadError(
            _("Row %(row)s of %(name)s cannot be read: %(error)s") % {"row": len(numbered) + 2, "name": name, "error": error}
        ) from error
    if not header:
        raise UploadError(_("The file has no header row."))
    return header, numbered


def _csv_rows(name, content):
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadError(_("%(name)s is not UTF-8 text. Save it as 'CSV UTF-8' and upload it again.") % {"name": name}) from None
    if "\x00" in text:
        raise UploadError(_("%(name)s is not a CSV file.") % {"name": name})
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return csv.reader(io.StringIO(text), delimiter=delimiter)


def _xlsx_rows(name, content, *, max_rows: int):
    """The first sheet's rows, read lazily and at most `max_rows` of them (blank ones included): a small
    file can unpack into very many rows. A workbook whose parts unpack to more than XLSX_MAX_UNPACKED
    bytes (a "zip bomb": openpyxl reads the shared strings whole) is refused before it is opened."""
    from openpyxl import load_workbook

    unreadable = _("%(name)s is not a valid XLSX workbook.") % {"name": name}
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UploadError(unreadable) from None
    if unpacked > XLSX_MAX_UNPACKED:
        raise UploadError(
            _("%(name)s unpacks to more than %(limit)s MB. Save only the rows to import in a new workbook.")
            % {"name": name, "limit": XLSX_MAX_UNPACKED // (1024 * 1024)}
        )
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, SyntaxError):
        raise UploadError(unreadable) from None
    try:
        sheet = workbook.worksheets[0]
        # max_row stops the parser there, whatever size the sheet claims
        for row in sheet.iter_rows(max_row=max_rows, max_col=MAX_COLUMNS, values_only=True):
            yield list(row)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, SyntaxError):
        raise UploadError(unreadable) from None  # SyntaxError covers the XML parser's ParseError
    finally:
        workbook.close()


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def cell_day(value) -> datetime.date | None:
    """A date cell: a spreadsheet date, or text YYYY-MM-DD (an ISO date-time's date); None when blank."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = cell_text(value)
    try:
        return datetime.date.fromisoformat(text[:10] if "T" in text else text)
    except ValueError:
        raise CellError(_("'%(value)s' is not a date: use YYYY-MM-DD.") % {"value": text}) from None


def require_product_columns(header: list[str], required: list[str]) -> None:
    """A product upload's header: every `required` column, and vendor_sku or asin (either names the product)."""
    missing = [column for column in required if column not in header]
    if "vendor_sku" not in header and "asin" not in header:
        missing.insert(0, "vendor_sku / asin")
    if missing:
        raise UploadError(
            _("Missing columns: %(missing)s. The first row must name the columns, as in the template.") % {"missing": ", ".join(missing)}
        )


# Writing ----------------------------------------------------------------------------------------------
# A spreadsheet runs a cell starting with one of these as a formula (OWASP's list for CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """A value as CSV text: date-times in local time to the minute, dates ISO, and text a spreadsheet would
    run as a formula quoted with a leading apostrophe (numbers such as -5 stay numbers)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    if text[:1] in FORMULA_STARTS and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def choice_labels(choices) -> dict:
    """A field's choice labels in the active language, to look up per row. An export must not call
    `get_FOO_display()` per row: it rebuilds (and translates) the field's whole choice list each time,
    which at 100,000 rows is most of the export's time."""
    return {value: str(label) for value, label in choices}


def _attachment(response: HttpResponseBase, filename: str) -> HttpResponseBase:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_chunks(header: Iterable, rows: Iterable[Iterable], *, bom: bool = True) -> Iterator[str]:
    """The CSV text in pieces of about CSV_CHUNK_CHARS: the header (after a BOM, so that spreadsheet programs
    read UTF-8) comes first and alone, before a row is asked for; every cell goes through `csv_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if bom:
        buffer.write("\ufeff")
    writer.writerow([str(label) for label in header])
    yield buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        if buffer.tell() >= CSV_CHUNK_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def _in_this_locale(chunks: Iterator[str]) -> Iterator[bytes]:
    """Encode the chunks in the language and time zone active now: a streamed body is produced after the
    view has returned, when the request's own may no longer be active."""
    language, zone = translation.get_language(), timezone.get_current_timezone()

    def encoded():
        with translation.override(language), timezone.override(zone):
            for chunk in chunks:
                yield chunk.encode()

    return encoded()


def csv_stream_response(header: Iterable, rows: Iterable[Iterable], filename: str, *, bom: bool = True) -> StreamingHttpResponse:
    """A CSV download written while it is sent: `filename` without its extension; `rows` is iterated lazily,
    so pass a generator over `queryset.iterator(chunk_size=EXPORT_CHUNK_ROWS)` and the memory stays flat at
    any size. The header leaves at once, before the query has run.

    On PostgreSQL, `iterator()` reads through a server-side cursor. Outside a transaction (the portal
    runs in autocommit, no ATOMIC_REQUESTS) Django declares it WITH HOLD: the database computes the
    result when the cursor is declared and keeps it on its side, and this process fetches it
    EXPORT_CHUNK_ROWS at a time; no transaction stays open while a slow client downloads. This needs
    DISABLE_SERVER_SIDE_CURSORS off (Django's default): with it on (say, behind a pgbouncer in transaction
    mode) psycopg2 would fetch each whole result into this process.

    `bom=False` for programs (the API's `format=csv`), which would read a BOM as part of the first name."""
    response = StreamingHttpResponse(_in_this_locale(csv_chunks(header, rows, bom=bom)), content_type=CSV_CONTENT_TYPE)
    return _attachment(response, f"{filename}.csv")


def csv_write(target: BinaryIO, header: Iterable, rows: Iterable[Iterable]) -> None:
    """The same CSV as `csv_stream_response`, written to an open binary file."""
    for chunk in csv_chunks(header, rows):
        target.write(chunk.encode())


def xlsx_cell(value):
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)  # Excel has no time zones
    return value


def _is_formula_like(value) -> bool:
    return isinstance(value, str) and value[:1] in FORMULA_STARTS and not _is_number(value)


def _xlsx_text_cell(sheet, text: str):
    """Text a spreadsheet would run as a formula, kept as plain text: openpyxl would write a string that starts
    with "=" as a formula, so the cell is typed as a string, and its quote prefix (Excel's leading
    apostrophe, not shown, not part of the value) keeps it text when someone edits it. The same guard
    as `csv_cell`'s, without changing the value."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


NUMBER_FORMATS = ((datetime.datetime, "yyyy-mm-dd hh:mm"), (datetime.date, "yyyy-mm-dd"), (Decimal, "#,##0.00"))


@dataclass
class Sheet:
    title: str
    header: list
    rows: Iterable[Iterable]
    freeze_panes: str | None = None
    # Amounts with two decimals and date-times to the minute; False leaves openpyxl's own formats.
    number_formats: bool = True
    hidden_columns: tuple[int, ...] = ()  # 0-based; a column the program reads back, not people


def xlsx_write(target, sheets: list[Sheet]) -> None:
    """An XLSX workbook of the sheets, into `target` (a path or a binary file): a bold header row on each
    sheet, date-times in local time. openpyxl's write-only mode streams the rows to temporary files, so
    the memory does not grow with them."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet_data in sheets:
        sheet = workbook.create_sheet(str(sheet_data.title)[:31])
        if sheet_data.freeze_panes:
            sheet.freeze_panes = sheet_data.freeze_panes
        for index in sheet_data.hidden_columns:
            sheet.column_dimensions[get_column_letter(index + 1)].hidden = True
        header = []
        for label in sheet_data.header:
            cell = WriteOnlyCell(sheet, value=str(label))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in sheet_data.rows:
            if not sheet_data.number_formats:
                sheet.append([_xlsx_text_cell(sheet, value) if _is_formula_like(value) else xlsx_cell(value) for value in row])
                continue
            cells = []
            for value in row:
                if _is_formula_like(value):
                    cells.append(_xlsx_text_cell(sheet, value))
                    continue
                cell = WriteOnlyCell(sheet, value=xlsx_cell(value))
                number_format = next((style for kind, style in NUMBER_FORMATS if isinstance(value, kind)), None)
                if number_format:
                    cell.number_format = number_format
                cells.append(cell)
            sheet.append(cells)
    workbook.save(target)


def xlsx_response(sheets: list[Sheet], filename: str) -> HttpResponse:
    """A small workbook answered at once (`filename` without its extension): a payment summary, one
    remittance. Lists are exported by a job (`vendor_portal.services.exports`), whatever their length."""
    buffer = io.BytesIO()
    xlsx_write(buffer, sheets)
    return _attachment(HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE), f"{filename}.xlsx")
