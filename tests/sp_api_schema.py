"""Validate response bodies against Amazon's Selling Partner API models (Swagger 2.0), field for field.

    assert_valid_response("vendorOrders.json", "getPurchaseOrders", 200, response.json())

The models are the app's own copies in amazon_api/sp_api/, the one place the app and the tests read them
from. Validation uses JSON Schema Draft 4, which is what Swagger 2.0 schemas are, with a `referencing` registry over the model file so `#/definitions/...`
resolve. By default it is stricter than the bare model, in the ways the model's own text asks for:
- an object may only carry the properties the model declares (catches misspelled or invented fields),
- `Decimal` strings follow the pattern written in its description (`"10.20"`, never a float),
- `date-time` strings are RFC 3339 with a zone, and `DateTimeInterval` is `start--end` of two of them.
"""

from __future__ import annotations

import copy
import datetime
import re
from functools import cache

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from amazon_api.spec import load_model

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
# Amazon's Decimal definition states this pattern in its description only.
DECIMAL_PATTERN = r"^-?(0|([1-9]\d*))(\.\d+)?([eE][+-]?\d+)?$"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
# Amazon answers authentication failures with 403; the portal answers 401 (with WWW-Authenticate).
# Where an operation declares no 401, its 403 body model applies: both are the same error list.
STATUS_FALLBACK = {401: 403}


def _strict(model: dict) -> dict:
    model = copy.deepcopy(model)

    def close(schema):
        if isinstance(schema, dict):
            if "properties" in schema and "additionalProperties" not in schema:
                schema["additionalProperties"] = False
            for value in schema.values():
                close(value)
        elif isinstance(schema, list):
            for value in schema:
                close(value)

    close(model.get("definitions", {}))
    close(model.get("paths", {}))
    definitions = model.get("definitions", {})
    if definitions.get("Decimal", {}).get("type") == "string":
        definitions["Decimal"]["pattern"] = DECIMAL_PATTERN
    if definitions.get("DateTimeInterval", {}).get("type") == "string":
        definitions["DateTimeInterval"]["format"] = "date-time-interval"
    return model


def _is_date_time(value) -> bool:
    if not isinstance(value, str) or not RFC3339.match(value):
        return False
    try:
        datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


FORMAT_CHECKER = FormatChecker()
FORMAT_CHECKER.checks("date-time")(lambda value: not isinstance(value, str) or _is_date_time(value))


@FORMAT_CHECKER.checks("date-time-interval")
def _is_interval(value) -> bool:
    if not isinstance(value, str):
        return True
    parts = value.split("--")
    return len(parts) == 2 and all(_is_date_time(part) for part in parts)


@cache
def _registry(model_file: str, strict: bool) -> tuple[str, Registry]:
    model = load_model(model_file)
    if strict:
        model = _strict(model)
    uri = f"urn:sp-api:{model_file}"
    return uri, Registry().with_resource(uri, Resource.from_contents(model, default_specification=DRAFT4))


def find_operation(model_file: str, operation_id: str) -> tuple[str, str, dict]:
    """(path, method, operation) of an operationId in the model."""
    for path, item in load_model(model_file)["paths"].items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation and operation.get("operationId") == operation_id:
                return path, method, operation
    raise AssertionError(f"{model_file} has no operation {operation_id!r}")


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def response_validator(model_file: str, operation_id: str, status_code: int, *, strict: bool = True) -> Draft4Validator:
    path, method, operation = find_operation(model_file, operation_id)
    declared = operation.get("responses", {})
    code = str(status_code)
    if code not in declared and str(STATUS_FALLBACK.get(status_code)) in declared:
        code = str(STATUS_FALLBACK[status_code])
    if code not in declared:
        code = "default"
    if code not in declared or "schema" not in declared[code]:
        raise AssertionError(f"{operation_id} declares no response body for status {status_code} (declared: {sorted(declared)})")
    uri, registry = _registry(model_file, strict)
    ref = f"{uri}#/" + _pointer("paths", path, method, "responses", code, "schema")
    return Draft4Validator({"$ref": ref}, registry=registry, format_checker=FORMAT_CHECKER)


def definition_validator(model_file: str, definition: str, *, strict: bool = True) -> Draft4Validator:
    if definition not in load_model(model_file).get("definitions", {}):
        raise AssertionError(f"{model_file} has no definition {definition!r}")
    uri, registry = _registry(model_file, strict)
    return Draft4Validator({"$ref": f"{uri}#/definitions/{definition}"}, registry=registry, format_checker=FORMAT_CHECKER)


def _problems(validator: Draft4Validator, body) -> list[str]:
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}" for error in errors]


def response_problems(model_file: str, operation_id: str, status_code: int, body, *, strict: bool = True) -> list[str]:
    return _problems(response_validator(model_file, operation_id, status_code, strict=strict), body)


def assert_valid_response(model_file: str, operation_id: str, status_code: int, body, *, strict: bool = True) -> None:
    """Fail with every mismatch between `body` and the model's response schema for this operation and status."""
    problems = response_problems(model_file, operation_id, status_code, body, strict=strict)
    assert not problems, f"{operation_id} {status_code} does not match {model_file}:\n  " + "\n  ".join(problems)


def assert_valid_definition(model_file: str, definition: str, instance, *, strict: bool = True) -> None:
    """Fail unless `instance` (e.g. a request body) matches one of the model's definitions."""
    problems = _problems(definition_validator(model_file, definition, strict=strict), instance)
    assert not problems, f"{definition} does not match {model_file}:\n  " + "\n  ".join(problems)
