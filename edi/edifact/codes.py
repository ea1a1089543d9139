"""EDIFACT code lists the portal reads and writes (UN/EDIFACT D96A and the ISO 9735 service codes)."""


class SyntaxError_:  # noqa: N801 - 0085, named apart from the builtin
    """0085 syntax error, coded: what CONTRL reports in UCI, UCM, UCS and UCD."""

    SYNTAX_NOT_SUPPORTED = "2"
    RECIPIENT_NOT_ACTUAL = "7"
    INVALID_VALUE = "12"
    MISSING = "13"
    VALUE_NOT_SUPPORTED = "14"
    NOT_SUPPORTED_IN_POSITION = "15"
    UNSPECIFIED = "18"
    INVALID_CHARACTER = "21"
    UNKNOWN_SENDER = "23"
    DUPLICATE = "26"
    REFERENCES_DO_NOT_MATCH = "28"
    COUNT_MISMATCH = "29"
    TOO_MANY = "35"


class Action:
    """0083 action, coded."""

    REJECTED = "4"  # this level and all lower levels rejected
    ACKNOWLEDGED = "7"  # this level and all lower levels acknowledged, unless explicitly rejected
    RECEIVED = "8"  # interchange received (UCI only)


class LineAction:
    """1229 action request/notification (ORDRSP LIN)."""

    CHANGED = "3"
    ACCEPTED = "5"  # accepted without amendment
    NOT_ACCEPTED = "7"


class Qty:
    """6063 quantity qualifiers."""

    DESPATCH = "12"
    ORDERED = "21"
    INVOICED = "47"
    CONSUMER_UNITS_IN_TRADED_UNIT = "59"
    BACKORDER = "83"


class Moa:
    """5025 monetary amount types."""

    LINE_ITEM = "203"
    TOTAL_LINE_ITEMS = "79"
    INVOICE_TOTAL = "77"  # including taxes
    TAX = "124"
    TAXABLE = "125"


class Dtm:
    """2005 date/time qualifiers."""

    DOCUMENT = "137"
    DELIVERY_REQUESTED = "2"
    DESPATCH = "11"
    ESTIMATED_ARRIVAL = "132"
    LATEST_DELIVERY = "63"
    EARLIEST_DELIVERY = "64"
    PROMISED_DELIVERY = "69"


class ItemType:
    """7143 item number type: the portal's product identifiers."""

    EAN = "EN"  # GTIN-8/12/13/14 in LIN
    BUYER = "BP"  # buyer's part number: the retailer's catalogue id (the ASIN)
    SUPPLIER = "SA"  # supplier's article number: the vendor SKU
    UPC = "UP"


# 6411 measure units as the portal's units: pieces are eaches, cases are cases.
UNITS = {"PCE": "Eaches", "EA": "Eaches", "C62": "Eaches", "CS": "Cases", "CT": "Cases"}
EDIFACT_UNITS = {"Eaches": "PCE", "Cases": "CS"}
# The transport mode of DESADV TDT (8067) the portal understands.
TRANSPORT_MODES = {"1": "ocean", "3": "road", "4": "air", "30": "road", "40": "air", "10": "ocean"}
