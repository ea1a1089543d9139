"""Every operation of /api/v1/ is documented with examples that hold.

- a JSON success response carries at least one example; a binary one (PDF, X12) names its media type
  with a binary/text schema instead;
- a JSON request body carries at least one example, and so does a multipart-only upload;
- every example, request or response, validates against its operation's schema: references resolved,
  OpenAPI's `nullable` honoured, objects closed to properties the schema does not declare, formats checked.
"""

from __future__ import annotations

import copy
import datetime
import re
import uuid
from decimal import Decimal, InvalidOperation

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

METHODS = ("get", "post", "put", "patch", "delete")
PREFIX = "/api/v1/"
BINARY_MEDIA = re.compile(r"^(application/(pdf|xml|octet-stream|edi-x12|vnd\.openxmlformats.*)|text/(csv|plain))$")
SCHEMA_URI = "urn:portal:openapi"


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        if not path.startswith(PREFIX):
            continue
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _json_media(content: dict) -> list[str]:
    return [media for media in content if media == "application/json" or media.endswith("+json")]


def missing_examples(schema) -> list[str]:
    problems = []
    for path, method, operation in operations(schema):
        where = f"{method.upper()} {path}"
        body = operation.get("requestBody", {}).get("content", {})
        json_body = _json_media(body)
        for media in json_body or [m for m in body if m == "multipart/form-data"]:
            if not body[media].get("examples"):
                problems.append(f"{where}: no {media} request example")
        success = {code: response for code, response in operation["responses"].items() if code.startswith("2")}
        if not success:
            problems.append(f"{where}: no success response documented")
        for code, response in success.items():
            content = response.get("content", {})
            if not content:
                if code != "204":
                    problems.append(f"{where}: {code} has no media type (a body is answered)")
                continue
            for media, entry in content.items():
                if media in _json_media(content):
                    if not entry.get("examples"):
                        problems.append(f"{where}: {code} {media} has no example")
                elif not BINARY_MEDIA.match(media) or entry.get("schema", {}).get("type") != "string":
                    problems.append(f"{where}: {code} {media} is neither JSON with an example nor a documented binary/text body")
    return problems


def test_every_operation_has_request_and_response_examples(schema):
    problems = missing_examples(schema)
    assert not problems, "operations without examples:\n" + "\n".join(problems)


def test_error_answers_document_the_error_body(schema):
    """A 4xx declared without a body schema loses its examples silently: each must carry the error shape."""
    problems = [
        f"{method.upper()} {path}: {code} has no JSON body (use vendor_portal.api.errors.documented_error)"
        for path, method, operation in operations(schema)
        for code, response in operation["responses"].items()
        if code.startswith("4") and not _json_media(response.get("content", {}))
    ]
    assert not problems, "\n".join(problems)


# Validating the examples --------------------------------------------------------------------------------
def _openapi_to_json_schema(node):
    """OpenAPI 3.0 schema objects -> JSON Schema 2020-12: `nullable` becomes a null alternative, and an object
    that lists its properties accepts no others (an example with an invented or misspelt field fails)."""
    if isinstance(node, list):
        return [_openapi_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {
        key: _openapi_to_json_schema(value)
        for key, value in node.items()
        if key not in ("example", "examples", "xml", "externalDocs", "discriminator")
    }
    if "properties" in node and "additionalProperties" not in node and node.get("type", "object") == "object":
        node["additionalProperties"] = False
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def _registry(schema) -> Registry:
    components = {"components": {"schemas": _openapi_to_json_schema(copy.deepcopy(schema["components"]["schemas"]))}}
    return Registry().with_resource(SCHEMA_URI, Resource.from_contents(components, default_specification=DRAFT202012))


def _rebase(node):
    if isinstance(node, dict):
        return {key: (SCHEMA_URI + value if key == "$ref" and value.startswith("#/") else _rebase(value)) for key, value in node.items()}
    if isinstance(node, list):
        return [_rebase(item) for item in node]
    return node


FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value):
    if not isinstance(value, str):
        return True
    if not re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$", value):
        raise ValueError(f"{value!r} is not an ISO 8601 date-time with a zone")
    datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@FORMATS.checks("date", raises=ValueError)
def _date(value):
    return not isinstance(value, str) or bool(datetime.date.fromisoformat(value))


@FORMATS.checks("uuid", raises=ValueError)
def _uuid(value):
    return not isinstance(value, str) or bool(uuid.UUID(value))


@FORMATS.checks("decimal", raises=InvalidOperation)
def _decimal(value):
    return not isinstance(value, str) or Decimal(value).is_finite()


def _cases(schema):
    for path, method, operation in operations(schema):
        body = operation.get("requestBody", {}).get("content", {})
        for media, entry in body.items():
            for name, example in entry.get("examples", {}).items():
                yield f"{method.upper()} {path} request {media} {name!r}", entry.get("schema"), example.get("value"), media
        for code, response in operation["responses"].items():
            for media, entry in response.get("content", {}).items():
                for name, example in entry.get("examples", {}).items():
                    yield f"{method.upper()} {path} {code} {media} {name!r}", entry.get("schema"), example.get("value"), media


def invalid_examples(schema) -> list[str]:
    registry = _registry(schema)
    problems = []
    for where, content_schema, value, media in _cases(schema):
        if content_schema is None:
            problems.append(f"{where}: no schema to hold the example")
            continue
        if not (media == "application/json" or media.endswith("+json") or media == "multipart/form-data"):
            if not isinstance(value, str):
                problems.append(f"{where}: a {media} example must be text")
            continue
        if _wrapped_twice(value):
            problems.append(f"{where}: a list example is given as a whole list or page; give one row, drf-spectacular wraps it")
            continue
        validator = Draft202012Validator(_openapi_to_json_schema(_rebase(content_schema)), registry=registry, format_checker=FORMATS)
        for error in sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.absolute_path)))[:5]:
            location = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path) or "(body)"
            problems.append(f"{where}: {location}: {error.message[:300]}")
    return problems


def _wrapped_twice(value) -> bool:
    if isinstance(value, list) and value and isinstance(value[0], list):
        return True
    rows = value.get("results") if isinstance(value, dict) else None
    return (
        isinstance(rows, list)
        and bool(rows)
        and isinstance(rows[0], (list, dict))
        and (isinstance(rows[0], list) or {"results", "next"} <= set(rows[0]))
    )


def test_every_example_validates_against_its_schema(schema):
    problems = invalid_examples(schema)
    assert not problems, f"{len(problems)} example problem(s):\n" + "\n".join(problems)


def test_the_checks_catch_a_wrong_example():
    """The validator itself: a missing required field, an invented one, a float for money, a null where none is allowed."""
    schema = {
        "paths": {
            "/api/v1/things/": {
                "get": {
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Thing"},
                                    "examples": {
                                        "Good": {"value": {"id": 1, "amount": "10.20", "note": None, "at": "2026-11-20T14:00:00Z"}},
                                        "Bad": {"value": {"id": None, "amount": 10.2, "invented": 1, "at": "yesterday"}},
                                    },
                                }
                            }
                        }
                    }
                }
            }
        },
        "components": {
            "schemas": {
                "Thing": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "amount": {"type": "string", "format": "decimal", "pattern": r"^-?\d{0,12}(?:\.\d{0,2})?$"},
                        "note": {"type": "string", "nullable": True},
                        "at": {"type": "string", "format": "date-time"},
                    },
                    "required": ["id", "amount", "note"],
                }
            }
        },
    }
    problems = invalid_examples(schema)
    assert all("'Bad'" in problem for problem in problems)
    joined = "\n".join(problems)
    assert "None is not of type 'integer'" in joined
    assert "10.2 is not of type 'string'" in joined
    assert "'invented' was unexpected" in joined
    assert "'note' is a required property" in joined
    assert missing_examples(schema) == []


def test_submit_invoices_is_documented_from_amazons_model_with_examples_that_hold(schema):
    from tests.sp_api_schema import assert_valid_definition, assert_valid_response

    operation = schema["paths"]["/vendor/payments/v1/invoices"]["post"]
    assert operation["operationId"] == "submitInvoices"
    body = operation["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/VendorInvoicesSubmitInvoicesRequest"}
    for example in body["examples"].values():
        assert_valid_definition("vendorInvoices.json", "SubmitInvoicesRequest", example["value"])
    checked = 0
    for status, response in operation["responses"].items():
        for example in response.get("content", {}).get("application/json", {}).get("examples", {}).values():
            assert_valid_response("vendorInvoices.json", "submitInvoices", int(status), example["value"], strict=False)
            checked += 1
    assert operation["responses"]["202"]["content"]["application/json"]["examples"]
    assert checked >= 5
