"""New items in bulk: an XLSX template (one row per item, the columns titled in the vendor's language, a sheet of
instructions and allowed values, data validation), read back as a dry run and proposed all at once.

The core reads the file (size, type, header, row limits: `vendor_portal.tables`); each cell that is not a number
where one is needed is a row error; the service's checks (`item_proposals_check`, the same rules as the form's)
come back on the file's rows and columns. A column is recognised by its key (`case_pack`) or by its title in any
of the portal's languages, so a template downloaded in Chinese reads back the same as one in English."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vendor_portal.countries import COUNTRIES
from vendor_portal.errors import FieldError
from vendor_portal.tables import UPLOAD_MAX_BYTES, CellError, RowError, UploadError, cell_text, read_table

from .forms import ItemProposalForm
from .models import PackLevel
from .services.item_batches import MAX_ITEMS, item_proposals_check
from .services.items import ItemInput, OfferInput, PackLevelInput

__all__ = ["UPLOAD_MAX_BYTES", "UploadError", "ItemImport", "ItemRowError", "parse_item_proposals", "template_workbook", "MAX_ITEMS"]

DIMENSIONS = ("length_cm", "width_cm", "height_cm", "weight_kg")
LEVELS = ("each", "case", "pallet")
TEXT, GTIN, WHOLE, LENGTH, WEIGHT, MONEY, COUNTRY, HS_CODE = "text", "gtin", "whole", "length", "weight", "money", "country", "hs_code"
PLACES = {LENGTH: 2, WEIGHT: 3, MONEY: 2}


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # lazily translated; "%(marketplace)s" in it stands for the marketplace's code
    kind: str
    required: bool
    help: object = ""
    marketplace: str = ""

    @property
    def title(self) -> str:
        """The column's title in the active language."""
        return str(self.label) % {"marketplace": self.marketplace} if self.marketplace else str(self.label)


def _form_column(name: str, kind: str, required: bool, help_text="") -> Column:
    form_field = ItemProposalForm.base_fields[name]
    return Column(name, form_field.label, kind, required, help_text or form_field.help_text)


def _base_columns() -> list[Column]:
    columns = [
        _form_column("vendor_sku", TEXT, True, gettext_lazy("Your own code for the item, up to 40 characters.")),
        _form_column("title", TEXT, True, gettext_lazy("Up to 300 characters.")),
        _form_column("brand", TEXT, False),
        _form_column("gtin", GTIN, True),
        _form_column("case_gtin", GTIN, True, gettext_lazy("The case's own GTIN (not the item's), usually 14 digits.")),
        _form_column("case_pack", WHOLE, True),
        _form_column("minimum_order_quantity", WHOLE, False, gettext_lazy("1 when left blank.")),
        _form_column("country_of_origin", COUNTRY, True, gettext_lazy("Two-letter code from the list on this sheet, e.g. CN.")),
        _form_column("hs_code", HS_CODE, True),
    ]
    for level in LEVELS:
        if level == "pallet":
            columns.append(_form_column("pallet_units", WHOLE, False))
        for dimension in DIMENSIONS:
            kind = WEIGHT if dimension == "weight_kg" else LENGTH
            columns.append(_form_column(f"{level}_{dimension}", kind, level != "pallet"))
    return columns


def _marketplace_columns(code: str) -> list[Column]:
    key = code.lower()
    return [
        Column(f"{key}_cost", gettext_lazy("%(marketplace)s: cost per each"), MONEY, False, marketplace=code),
        Column(f"{key}_list_price", gettext_lazy("%(marketplace)s: list price"), MONEY, False, marketplace=code),
        Column(f"{key}_title", gettext_lazy("%(marketplace)s: title in the marketplace"), TEXT, False, marketplace=code),
    ]


def columns_for(marketplace_codes: list[str]) -> list[Column]:
    return _base_columns() + [column for code in marketplace_codes for column in _marketplace_columns(code)]


def _normalised(title) -> str:
    """A title as `read_table` gives a header cell: lower case, spaces as underscores."""
    return str(title).strip().lower().replace(" ", "_")


def _header_lookup(columns: list[Column]) -> dict[str, str]:
    """{header cell as read: column key}, for the keys and the titles in every language of the portal."""
    lookup = {column.key: column.key for column in columns}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for column in columns:
                lookup.setdefault(_normalised(column.title), column.key)
    return lookup


# Reading ------------------------------------------------------------------------------------------------
@dataclass
class ItemRowError(RowError):
    """A RowError with the service's code (for the API) and the column's title in the reader's language."""

    code: str = "invalid"
    title: str = ""


@dataclass
class ImportedRow:
    row: int
    data: ItemInput | None  # None when a cell could not be read
    errors: list[ItemRowError] = field(default_factory=list)


@dataclass
class ItemImport:
    rows: list[ImportedRow] = field(default_factory=list)
    errors: list[ItemRowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    row_count: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    @property
    def items(self) -> list[ItemInput]:
        return [row.data for row in self.rows if row.data is not None]


def _whole(value):
    text = cell_text(value)
    if not text:
        return None
    if not text.isascii() or not text.lstrip("-").isdigit():
        raise CellError(_("'%(value)s' is not a whole number.") % {"value": text})
    return int(text)


def _decimal(kind):
    places = PLACES[kind]
    step = Decimal(1).scaleb(-places)

    def convert(value):
        text = cell_text(value)
        if not text:
            return None
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise CellError(_("'%(value)s' is not a number (use a dot for decimals).") % {"value": text}) from None
        if not amount.is_finite() or abs(amount) >= 10**9:
            raise CellError(_("'%(value)s' is not a number (use a dot for decimals).") % {"value": text})
        rounded = amount.quantize(step)
        if isinstance(value, float) and amount != rounded and abs(rounded - amount) < Decimal("1e-9"):
            amount = rounded  # a spreadsheet's binary float: 18.400000000000002 is 18.40
        if amount != rounded:
            raise CellError(_("'%(value)s' has more than %(places)s decimal places.") % {"value": text, "places": places})
        return amount  # as written: 1.2 kg stays 1.2 in the messages, as on the form

    return convert


CONVERTERS = {WHOLE: _whole, LENGTH: _decimal(LENGTH), WEIGHT: _decimal(WEIGHT), MONEY: _decimal(MONEY)}


def _check_header(lookup: dict[str, str], columns: list[Column]):
    titles = {column.key: column.title for column in columns}

    def check(header: list[str]) -> None:
        keys = {lookup.get(cell) for cell in header}
        missing = [titles[column.key] for column in columns if column.required and column.key not in keys]
        if missing:
            raise UploadError(
                _("Missing columns: %(missing)s. The first row must name the columns, as in the template.") % {"missing": ", ".join(missing)}
            )
        if not any(key and key.endswith("_cost") for key in keys):
            raise UploadError(_("The file has no marketplace cost column: add one per marketplace the items are offered in, as in the template."))

    return check


def parse_item_proposals(name: str, content: bytes, *, scope, marketplace_codes: list[str], check: bool = True) -> ItemImport:
    """Read and check a whole file without saving anything. `marketplace_codes`: every marketplace's, whose
    columns the file may have. `check=False` reads the cells only (a worker about to propose the items, which
    checks them again under the vendor's lock anyway)."""
    columns = columns_for(marketplace_codes)
    by_key = {column.key: column for column in columns}
    lookup = _header_lookup(columns)
    header, table = read_table(name, content, max_bytes=UPLOAD_MAX_BYTES, max_rows=MAX_ITEMS, check_header=_check_header(lookup, columns))
    if not table:
        raise UploadError(_("The file has a header row but no lines."))
    keys = [lookup.get(cell) for cell in header]
    result = ItemImport(row_count=len(table), ignored_columns=[cell for cell, key in zip(header, keys, strict=True) if cell and key is None])
    offered_codes = [code for code in marketplace_codes if f"{code.lower()}_cost" in keys]

    def row_error(row: int, column: str, message: str, code: str = "invalid") -> ItemRowError:
        return ItemRowError(row, column, message, code=code, title=by_key[column].title if column in by_key else column)

    for number, cells in table:
        values = {key: (cells[i] if i < len(cells) else None) for i, key in enumerate(keys) if key}
        imported = ImportedRow(number, None)
        result.rows.append(imported)
        cleaned = {}
        for key, value in values.items():
            convert = CONVERTERS.get(by_key[key].kind, cell_text)
            try:
                cleaned[key] = convert(value)
            except CellError as error:
                imported.errors.append(row_error(number, key, str(error)))
        if imported.errors:
            continue
        imported.data = _item_input(number, cleaned, offered_codes)
    if check and result.items:
        errors, _offered = item_proposals_check(scope=scope, items=result.items)
        rows = {row.row: row for row in result.rows}
        for error in errors:
            number = _row_of(error, result.rows[0].row)
            column = _column_of(error, offered_codes)
            rows[number].errors.append(row_error(number, column, error.message, error.code))
    order = {column.key: index for index, column in enumerate(columns)}
    for row in result.rows:
        row.errors.sort(key=lambda e: order.get(e.column, len(order)))
        result.errors.extend(row.errors)
    return result


def _item_input(number: int, cleaned: dict, offered_codes: list[str]) -> ItemInput:
    levels = []
    for level in LEVELS:
        dims = [cleaned.get(f"{level}_{dimension}") for dimension in DIMENSIONS]
        units = cleaned.get("pallet_units") if level == "pallet" else None
        if level == "pallet" and units is None and all(value is None for value in dims):
            continue  # no pallet
        levels.append(PackLevelInput(level, *dims, units=units, ref=(number, level)))
    offers = []
    for code in offered_codes:
        key = code.lower()
        cost, list_price, local_title = cleaned.get(f"{key}_cost"), cleaned.get(f"{key}_list_price"), cleaned.get(f"{key}_title") or ""
        if cost is None and list_price is None and not local_title:
            continue  # not offered there
        offers.append(OfferInput(code, cost, list_price, local_title, ref=(number, code)))
    minimum = cleaned.get("minimum_order_quantity")
    return ItemInput(
        vendor_sku=cleaned.get("vendor_sku") or "",
        title=cleaned.get("title") or "",
        brand=cleaned.get("brand") or "",
        gtin=cleaned.get("gtin") or "",
        case_gtin=cleaned.get("case_gtin") or "",
        case_pack=cleaned.get("case_pack"),
        minimum_order_quantity=1 if minimum is None else minimum,
        country_of_origin=(cleaned.get("country_of_origin") or "").upper(),
        hs_code=cleaned.get("hs_code") or "",
        pack_levels=levels,
        offers=offers,
        ref=number,
    )


def _row_of(error: FieldError, first_row: int) -> int:
    ref = error.ref[0] if isinstance(error.ref, tuple) else error.ref
    return ref if isinstance(ref, int) else first_row


OFFER_COLUMNS = {"cost": "cost", "list_price": "list_price", "local_title": "title"}


def _column_of(error: FieldError, offered_codes: list[str]) -> str:
    """The file's column of a service's field error: a pack level's `weight_kg` is `case_weight_kg`, an offer's
    `cost` is `us_cost`, the item's fields are their own columns."""
    if isinstance(error.ref, tuple):
        part = error.ref[1]
        if part in PackLevel.values:
            if error.field == "units":
                return "case_pack" if part == PackLevel.CASE else "pallet_units"
            return f"{part}_{error.field}" if error.field in DIMENSIONS else f"{part}_length_cm"
        return f"{part.lower()}_{OFFER_COLUMNS.get(error.field, 'cost')}"
    if error.field == "pack_levels":
        return "each_length_cm"
    if error.field == "offers":
        return f"{offered_codes[0].lower()}_cost" if offered_codes else "vendor_sku"
    return error.field or "vendor_sku"


# The template ---------------------------------------------------------------------------------------------
def template_workbook(*, marketplaces) -> bytes:
    """The upload template: the item sheet (a title row, text cells for codes so that spreadsheet programs keep
    their leading zeros, data validation per column) and a sheet of instructions and allowed values."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    columns = columns_for([m.code for m in marketplaces])
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_("New items"))[:31]
    guide = workbook.create_sheet(str(_("Instructions"))[:31])
    bold = Font(bold=True)
    sheet.append([column.title for column in columns])
    for cell in sheet[1]:
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "B2"
    last_row = MAX_ITEMS + 1

    # Allowed values on the instructions sheet: countries in columns E:F, marketplaces in H:I.
    country_rows = sorted(COUNTRIES.items())
    country_range = f"'{guide.title}'!$E$2:$E${len(country_rows) + 1}"

    def validation(kind) -> DataValidation | None:
        error_title = str(_("Not allowed here"))
        if kind == WHOLE:
            check = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="1", error=str(_("A whole number, 1 or more.")))
        elif kind in PLACES:
            check = DataValidation(
                type="decimal", operator="greaterThan", formula1="0", error=str(_("A number above zero, with a dot for decimals."))
            )
        elif kind == COUNTRY:
            check = DataValidation(type="list", formula1=country_range, error=str(_("A two-letter country code from the Instructions sheet.")))
        elif kind == GTIN:
            check = DataValidation(type="textLength", operator="between", formula1="8", formula2="14", error=str(_("8, 12, 13 or 14 digits.")))
        else:
            return None
        check.errorTitle = error_title
        check.showErrorMessage = True
        check.allow_blank = True
        return check

    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 16 if column.kind != TEXT else 24
        if column.kind in (TEXT, GTIN, HS_CODE, COUNTRY):
            sheet.column_dimensions[letter].number_format = "@"  # a GTIN typed as a number would lose its leading zeros
        check = validation(column.kind)
        if check is not None:
            check.add(f"{letter}2:{letter}{last_row}")
            sheet.add_data_validation(check)

    guide.append(
        [
            str(_("Column")),
            str(_("Required")),
            str(_("What to enter")),
            None,
            str(_("Country code")),
            str(_("Country")),
            None,
            str(_("Marketplace")),
            str(_("Currency")),
        ]
    )
    for cell in guide[1]:
        cell.font = bold
    notes = [(column.title, str(_("Yes")) if column.required else str(_("No")), str(column.help or _kind_help(column.kind))) for column in columns]
    notes += [
        ("", "", ""),
        (
            str(_("Units")),
            "",
            str(_("Lengths in centimetres (cm), weights in kilograms (kg), amounts in the marketplace's currency, with a dot for decimals.")),
        ),
        (str(_("Pack levels")), "", str(_("The each and the case are required; leave the pallet columns blank if you do not ship pallets."))),
        (str(_("Marketplaces")), "", str(_("Fill the cost of every marketplace the item is offered in; leave the others blank."))),
        (str(_("Rows")), "", str(_("One row per item, up to %(max)s. All rows are proposed together, or none.") % {"max": MAX_ITEMS})),
    ]
    market_rows = [(m.code, m.currency) for m in marketplaces]
    for index in range(max(len(notes), len(country_rows), len(market_rows))):
        note = notes[index] if index < len(notes) else ("", "", "")
        country = country_rows[index] if index < len(country_rows) else ("", "")
        market = market_rows[index] if index < len(market_rows) else ("", "")
        guide.append([*note, None, *country, None, *market])
    for letter, width in {"A": 34, "B": 10, "C": 70, "E": 12, "F": 34, "H": 12, "I": 10}.items():
        guide.column_dimensions[letter].width = width
    for row in guide.iter_rows(min_row=2, max_col=3):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _kind_help(kind: str):
    return {
        GTIN: _("Digits only, with the check digit."),
        WHOLE: _("A whole number, 1 or more."),
        LENGTH: _("Centimetres, up to 2 decimals."),
        WEIGHT: _("Kilograms, up to 3 decimals."),
        MONEY: _("In the marketplace's currency, up to 2 decimals."),
        HS_CODE: _("6 to 10 digits, e.g. 8516.71."),
    }.get(kind, "")
