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
