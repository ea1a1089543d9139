from rest_framework.throttling import SimpleRateThrottle


class TokenRateThrottle(SimpleRateThrottle):
    """A rate per API token (or per signed-in person using the API from the browser)."""

    scope = "token"

    def get_cache_key(self, request, view):
        token = getattr(request._request, "auth_token", None)
        if token is not None:
            ident = f"token:{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
