"""Amazon's Selling Partner API models, shipped with the app (sp_api/, Apache-2.0, unchanged copies of
amzn/selling-partner-api-models), used to check request bodies and to document the door.

Swagger 2.0 schemas are JSON Schema Draft 4; `referencing` resolves their `#/definitions/...`.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from django.utils.translation import gettext as _
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

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
    return errors
