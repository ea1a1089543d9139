"""The door in the portal's OpenAPI schema (/api/schema/): Amazon's own models become components
(prefixed with the model's name), and each operation keeps Amazon's operationId, parameters,
status codes and examples, so the documented contract is the one the models define."""

from __future__ import annotations

import copy
from functools import cache

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema

from .spec import VENDOR_INVOICES, VENDOR_ORDERS, VENDOR_TRANSACTION_STATUS, definition_validator, load_model

PREFIXES = {VENDOR_ORDERS: "VendorOrders", VENDOR_TRANSACTION_STATUS: "VendorTransactionStatus", VENDOR_INVOICES: "VendorInvoices"}
HTTP_METHODS = ("get", "put", "post", "delete", "patch")


def _rewrite_refs(schema, prefix: str):
    if isinstance(schema, dict):
        return {
            key: (f"#/components/schemas/{prefix}{value.rsplit('/', 1)[-1]}" if key == "$ref" else _rewrite_refs(value, prefix))
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_rewrite_refs(value, prefix) for value in schema]
    return schema


@cache
def components() -> dict[str, dict]:
    out = {}
    for model_file, prefix in PREFIXES.items():
        for name, schema in load_model(model_file)["definitions"].items():
            out[prefix + name] = _rewrite_refs(schema, prefix)
    return out


class SpApiAutoSchema(AutoSchema):
    """Registers the SP-API definitions as components before describing an operation of the door."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        for name, schema in components().items():
            registry.register_on_missing(
                ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, schema=copy.deepcopy(schema), object=f"sp-api:{name}")
            )
        return super().get_operation(path, path_regex, path_prefix, method, registry)


def _operation(model_file: str, operation_id: str) -> dict:
    for item in load_model(model_file)["paths"].values():
        for method in HTTP_METHODS:
            if item.get(method, {}).get("operationId") == operation_id:
                return item[method]
    raise LookupError(operation_id)


def _parameter_type(parameter: dict):
    if parameter.get("format") == "date-time":
        return OpenApiTypes.DATETIME
    if parameter.get("type") == "integer":
        return OpenApiTypes.INT
    if parameter.get("format") == "boolean" or parameter.get("type") == "boolean":
        return OpenApiTypes.BOOL
    return OpenApiTypes.STR


def _parameters(operation: dict) -> list[OpenApiParameter]:
    out = []
    for parameter in operation.get("parameters", []):
        if parameter["in"] not in ("query", "path"):
            continue
        out.append(
            OpenApiParameter(
                name=parameter["name"],
                type=_parameter_type(parameter),
                location=OpenApiParameter.QUERY if parameter["in"] == "query" else OpenApiParameter.PATH,
                required=parameter.get("required", False),
                description=parameter.get("description", ""),
                enum=parameter.get("enum"),
            )
        )
    return out


def _examples(model_file: str, response: dict, status: str) -> list[OpenApiExample]:
    """The first of Amazon's sandbox answers that its own model accepts (some of them do not)."""
    definition = response.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
    if not definition:
        return []
    validator = definition_validator(model_file, definition)
    for case in response.get("x-amzn-api-sandbox", {}).get("static", []):
        if validator.is_valid(case["response"]):
            return [OpenApiExample(f"{status} example", value=case["response"], response_only=True, status_codes=[status])]
    return []


ERROR_EXAMPLES = {
    "400": {"errors": [{"code": "InvalidInput", "message": "limit must be from 1 to 100; 500 was given.", "details": "field: limit"}]},
    "401": {"errors": [{"code": "Unauthorized", "message": "The API token is invalid, expired or revoked."}]},
    "403": {"errors": [{"code": "Unauthorized", "message": "Your role or token scopes do not allow this action."}]},
    "404": {"errors": [{"code": "NotFound", "message": "The purchase order was not found.", "details": "field: purchaseOrderNumber"}]},
    "429": {"errors": [{"code": "QuotaExceeded", "message": "Request was throttled. Expected available in 1 second."}]},
}


def sp_api_operation(
    model_file: str, operation_id: str, *, tag: str, description: str = "", request_example: dict | None = None, response_examples: dict | None = None
):
    """extend_schema for one of Amazon's operations, described from its model (plus our own examples by status)."""
    operation = _operation(model_file, operation_id)
    prefix = PREFIXES[model_file]
    responses = {}
    for status, response in operation["responses"].items():
        schema_ref = response.get("schema", {}).get("$ref", "")
        schema = {"$ref": f"#/components/schemas/{prefix}{schema_ref.rsplit('/', 1)[-1]}"} if schema_ref else None
        examples = _examples(model_file, response, status)
        if status in (response_examples or {}):
            examples.append(OpenApiExample(f"{status} portal example", value=response_examples[status], response_only=True, status_codes=[status]))
        if status in ERROR_EXAMPLES:
            examples.append(OpenApiExample(f"{status} error", value=ERROR_EXAMPLES[status], response_only=True, status_codes=[status]))
        responses[int(status)] = OpenApiResponse(response=schema, description=response.get("description", ""), examples=examples)
    if 401 not in responses and 403 in responses:
        responses[401] = OpenApiResponse(
            response=responses[403].response,
            description="No, or an invalid, expired or revoked, API token.",
            examples=[OpenApiExample("401 error", value=ERROR_EXAMPLES["401"], response_only=True, status_codes=["401"])],
        )
    request = None
    examples = []
    body = next((p for p in operation.get("parameters", []) if p["in"] == "body"), None)
    if body:
        # A dict given as `request` maps media types to schemas.
        request = {"application/json": {"$ref": f"#/components/schemas/{prefix}{body['schema']['$ref'].rsplit('/', 1)[-1]}"}}
        if request_example:
            examples.append(OpenApiExample("Request", value=request_example, request_only=True))
    return extend_schema(
        operation_id=operation_id,
        summary=operation.get("summary") or operation_id,
        description=description or operation.get("description", ""),
        tags=[tag],
        parameters=_parameters(operation),
        request=request,
        responses=responses,
        examples=examples,
    )
