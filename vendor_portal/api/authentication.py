from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from vendor_portal.models import ApiToken
from vendor_portal.models.tokens import hash_token


class TokenPrincipal:
    """request.user for a call made with an API token: the vendor's integrator, not a person."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, token: ApiToken):
        self.token = token

    def get_username(self) -> str:
        return f"token:{self.token.name}"

    def __str__(self) -> str:
        return self.get_username()


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>`, or `x-amz-access-token: <token>` as Amazon's vendor clients send."""

    keyword = "Bearer"

    def authenticate(self, request):
        raw = request.headers.get("x-amz-access-token", "").strip()
        if not raw:
            header = authentication.get_authorization_header(request).decode("latin-1").split()
            if not header or header[0].lower() != self.keyword.lower():
                return None
            if len(header) != 2:
                raise exceptions.AuthenticationFailed(_("Malformed Authorization header: use 'Bearer <token>'."))
            raw = header[1]
        # Looked up on every request, never cached: a revoked token stops working at once.
        token = ApiToken.objects.active().select_related("vendor").filter(key_hash=hash_token(raw), vendor__is_active=True).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("The API token is invalid, expired or revoked."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        request._request.auth_token = token
        return TokenPrincipal(token), token

    def authenticate_header(self, request):
        return self.keyword
