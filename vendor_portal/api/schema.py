"""How the API's authentication appears in the OpenAPI schema."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "vendor_portal.api.authentication.ApiTokenAuthentication"
    name = ["bearerToken", "amzAccessToken"]

    def get_security_definition(self, auto_schema):
        return [
            {"type": "http", "scheme": "bearer", "description": "An API token created by a vendor admin or `manage.py api_token create`."},
            {"type": "apiKey", "in": "header", "name": "x-amz-access-token", "description": "The same token, as Amazon's vendor clients send it."},
        ]


HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_NO_CREDENTIALS = {"errors": [{"code": "not_authenticated", "message": "Authentication credentials were not provided.", "field": None}]}
_THROTTLED = {"errors": [{"code": "throttled", "message": "Request was throttled. Expected available in 12 seconds.", "field": None}]}


def declare_authentication_and_rate_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation that takes credentials answers 401 without them
    and 429 above the token's rate (TokenRateThrottle), so both are declared, with the door's error body,
    wherever a view did not declare them itself. A client generated from the schema parses them, and
    schemathesis finds no undocumented answer."""
    default_security = result.get("security")
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            security = operation.get("security", default_security)
            if not security or {} in security:
                continue  # open to anyone: no 401
            responses = operation.setdefault("responses", {})
            error_schema = _door_error_schema(path, responses)
            if "401" not in responses:
                responses["401"] = _error_response("No or unknown credentials.", error_schema, "No credentials", _NO_CREDENTIALS)
            if "429" not in responses:
                responses["429"] = _error_response(
                    "Too many requests for this token: wait as Retry-After says.", error_schema, "Throttled", _THROTTLED
                )
                responses["429"]["headers"] = {
                    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before the next request."}
                }
    return result


def _door_error_schema(path: str, responses: dict) -> dict:
    """The portal API's ApiErrors; under another door (the Amazon door declares its own), its other errors' body."""
    if not path.startswith("/vendor/"):
        return {"$ref": "#/components/schemas/ApiErrors"}
    for status in sorted(responses):
        schema = responses[status].get("content", {}).get("application/json", {}).get("schema")
        if status.startswith("4") and schema:
            return schema
    return {"$ref": "#/components/schemas/ApiErrors"}


def _error_response(description: str, schema: dict, summary: str, example: dict) -> dict:
    content = {"schema": schema}
    if schema == {"$ref": "#/components/schemas/ApiErrors"}:
        content["examples"] = {summary.replace(" ", ""): {"value": example, "summary": summary}}
    return {"description": description, "content": {"application/json": content}}
