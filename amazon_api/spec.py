"""Amazon's Selling Partner API models, shipped with the app (sp_api/, Apache-2.0, unchanged copies of
amzn/selling-partner-api-models), used to check request bodies and to document the door.

Swagger 2.0 schemas are JSON Schema Draft 4; `referencing` resolves their `#/definitions/...`.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from django.utils.translation import gettext as _
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from vendor_portal import limits
from vendor_portal.errors import FieldError, field_error

MODELS_DIR = Path(__file__).resolve().parent / "sp_api"
VENDOR_ORDERS = "vendorOrders.json"
VENDOR_TRANSACTION_STATUS = "vendorTransactionStatus.json"
VENDOR_INVOICES = "vendorInvoices.json"
MAX_REPORTED_ERRORS = 50


@cache
def load_model(model_file: str) -> dict:
    with (MODELS_DIR / model_file).open(encoding="utf-8") as handle:
        return json.load(handle)


@cache
def definition_validator(model_file: str, definition: str) -> Draft4Validator:
    uri = f"urn:sp-api:{model_file}"
    registry = Registry().with_resource(uri, Resource.from_contents(load_model(model_file), default_specification=DRAFT4))
    return Draft4Validator({"$ref": f"{uri}#/definitions/{definition}"}, registry=registry)


def field_path(parts) -> str:
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _error_field(error) -> str:
    parts = list(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance]
        if missing:
            parts.append(missing[0])
    return field_path(parts)


def request_errors(model_file: str, definition: str, body) -> list[FieldError]:
    """Every way `body` breaks the model's definition, each a field error at its path in the body."""
    validator = definition_validator(model_file, definition)
    errors = []
    for error in sorted(validator.iter_errors(body), key=lambda e: [str(p) for p in e.absolute_path]):
        field = _error_field(error)
        errors.append(field_error(None, field or None, _("%(field)s: %(problem)s") % {"field": field or _("body"), "problem": error.message}))
        if len(errors) >= MAX_REPORTED_ERRORS:
            break
    return errors or bounds_errors(body)


MONEY_COLUMN = {"max_digits": 14, "decimal_places": 2}  # every amount the portal stores


def _date_value(key: str, value: str) -> datetime.date | None:
    if not (key == "date" or key.endswith("Date")):
        return None
    try:
        return datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date()
    except ValueError:
        return None  # not a date-time: the model (or the door's own check) says so


def bounds_errors(body) -> list[FieldError]:
    """What Amazon's models allow but no column or date arithmetic of the portal survives: a whole number
    (a quantity, a unit size, payment days) beyond limits.MAX_QUANTITY, an amount (Money's decimal string)
    beyond the money columns, a date outside limits' range. Each a field error at its path, found before
    anything is queued, so the door answers 400 instead of a transaction failing later (or a 500)."""
    errors = []
    pending = [((), body)]
    while pending and len(errors) < MAX_REPORTED_ERRORS:
        path, value = pending.pop()
        field = field_path(path)
        if isinstance(value, dict):
            pending.extend(((*path, key), child) for key, child in value.items())
            if isinstance(value.get("amount"), str) and "currencyCode" in value:
                try:
                    amount = Decimal(value["amount"])
                except InvalidOperation:
                    continue  # the model's pattern or the mapping names it
                problem = (None if amount.is_finite() else _("Not a finite amount.")) or limits.amount_problem(amount, **MONEY_COLUMN)
                if problem:
                    errors.append(
                        field_error(None, f"{field}.amount", _("%(field)s: %(problem)s") % {"field": f"{field}.amount", "problem": problem})
                    )
        elif isinstance(value, list):
            pending.extend(((*path, index), child) for index, child in enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool):
            if abs(value) > limits.MAX_QUANTITY:
                problem = limits.quantity_problem(abs(value))
                errors.append(field_error(None, field, _("%(field)s: %(problem)s") % {"field": field, "problem": problem}))
        elif isinstance(value, str) and path and isinstance(path[-1], str):
            day = _date_value(path[-1], value)
            problem = limits.date_problem(day) if day else None
            if problem:
                errors.append(field_error(None, field, _("%(field)s: %(problem)s") % {"field": field, "problem": problem}))
    return sorted(errors, key=lambda error: error.field)
