"""Base API views: every endpoint resolves the caller's scope, checks the action, and reads through
`visible_to(scope)`. Subclasses may not override get_queryset: scoping cannot be forgotten."""

import hashlib
import json

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import permissions, serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from vendor_portal.errors import DomainValidationError
from vendor_portal.models import ApiToken, Channel, IdempotencyRecord
from vendor_portal.services.audit import Actor
from vendor_portal.services.idempotency import idempotency_claim
from vendor_portal.tenancy import scope_for_token, scope_for_user

from .errors import IdempotentReplay

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Fields of an answer that are never kept for an Idempotency-Key replay (a webhook's signing secret is shown
# once): the replay answers without them, and the stored record holds no secret a database reader could take.
WITHHELD_FROM_REPLAY = frozenset({"secret"})


def without_secrets(body):
    """The answer as it may be stored for a replay: every WITHHELD_FROM_REPLAY field left out, at any depth."""
    if isinstance(body, dict):
        return {key: without_secrets(value) for key, value in body.items() if key not in WITHHELD_FROM_REPLAY}
    if isinstance(body, list):
        return [without_secrets(value) for value in body]
    return body


def resolve_scope(request):
    if isinstance(request.auth, ApiToken):
        return scope_for_token(request.auth)
    return scope_for_user(request.user, request.session.get("active_vendor_id") if hasattr(request, "session") else None)


class HasScopeAction(permissions.BasePermission):
    message = _("Your role or token scopes do not allow this action.")

    def has_permission(self, request, view):
        request.scope = resolve_scope(request)
        if request.scope is None:
            self.message = _("Your account has no role in this portal. Ask your administrator for access.")
            return False
        if getattr(view, "people_only", False) and request.scope.token_scopes is not None:
            self.message = _("Only a signed-in person can do this: API tokens cannot.")
            return False
        action = view.required_action(request)
        return action is None or request.scope.can(action)


class PortalAPIMixin:
    """Scope, permission per action, and Idempotency-Key replay for every write."""

    permission_classes = [permissions.IsAuthenticated, HasScopeAction]
    # {"GET": Action..., "POST": Action...} or {"list": ..., "confirm": ...} (DRF action names win).
    actions: dict = {}
    # True where a person must act (maker/checker decisions): tokens are refused whatever their scopes.
    people_only = False
    # The door its writes are audited (and published) as coming through, a signed-in person's too.
    channel = Channel.API

    def required_action(self, request):
        drf_action = getattr(self, "action", None)
        if drf_action and drf_action in self.actions:
            return self.actions[drf_action]
        return self.actions.get(request.method, self.actions.get("*"))

    @property
    def actor(self) -> Actor:
        return Actor.from_request(self.request, channel=self.channel)

    # Idempotency-Key ------------------------------------------------------------------------
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._idempotency_record = None
        key = request.headers.get("Idempotency-Key")
        if request.method not in WRITE_METHODS or not key:
            return
        if len(key) > 200:
            raise DomainValidationError(_("Idempotency-Key is at most 200 characters."), field="Idempotency-Key")
        token = getattr(request._request, "auth_token", None)
        principal = f"token:{token.pk}" if token else f"user:{request.user.pk}"
        body_hash = hashlib.sha256(request.method.encode() + request.path.encode() + request.body).hexdigest()
        record = idempotency_claim(
            vendor=request.scope.vendor, principal=principal, key=key, method=request.method, path=request.path, request_hash=body_hash
        )
        if record.response_status is None:
            self._idempotency_record = record
            self._answer_with_the_write(request.method.lower())
            return
        response = Response(record.response_body, status=record.response_status)
        response["Idempotent-Replayed"] = "true"
        raise IdempotentReplay(response)

    def _answer_with_the_write(self, handler_name: str):
        """The handler's writes and the answer the key replays commit in one transaction. Otherwise a process
        that dies between the two leaves work done but no answer, and the retry that takes the abandoned key
        over would do it twice. A handler that raises is rolled back whole; finalize_response then records the
        error it answers (or frees the key for a 5xx)."""
        handler = getattr(self, handler_name, None)
        if handler is None:
            return

        def handler_then_answer(*args, **kwargs):
            record = self._idempotency_record
            with transaction.atomic():
                response = handler(*args, **kwargs)
                if response.status_code < 500:
                    self._idempotency_store(record, response)
            if response.status_code < 500:
                self._idempotency_record = None  # answered, and committed with the work
            return response

        setattr(self, handler_name, handler_then_answer)

    def handle_exception(self, exc):
        try:
            return super().handle_exception(exc)
        except Exception:
            # A crash DRF does not turn into an answer never reaches finalize_response: free the key here, or it
            # would answer "still being processed" until the request is deemed abandoned.
            self._idempotency_release()
            raise

    def finalize_response(self, request, response, *args, **kwargs):
        record = getattr(self, "_idempotency_record", None)
        if record is not None:
            if response.status_code >= 500:
                self._idempotency_release()  # let the client retry a server failure
            else:
                self._idempotency_store(record, response)
                self._idempotency_record = None
        return super().finalize_response(request, response, *args, **kwargs)

    @staticmethod
    def _idempotency_store(record, response):
        IdempotencyRecord.objects.filter(pk=record.pk).update(
            response_status=response.status_code, response_body=without_secrets(getattr(response, "data", None))
        )

    def _idempotency_release(self):
        record = getattr(self, "_idempotency_record", None)
        if record is not None:
            IdempotencyRecord.objects.filter(pk=record.pk, response_status__isnull=True).delete()
            self._idempotency_record = None


class ScopedQuerysetMixin:
    """Set `queryset` (or define `base_queryset()`); reads are always `base_queryset().visible_to(request.scope)`."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__} overrides get_queryset; define base_queryset() instead so scoping stays.")

    def base_queryset(self):
        return self.queryset.all()

    def get_queryset(self):
        scope = getattr(self.request, "scope", None)
        if getattr(self, "swagger_fake_view", False):
            return self.base_queryset().none()
        return self.base_queryset().visible_to(scope)


class PortalAPIView(PortalAPIMixin, APIView):
    pass


class ScopedGenericViewSet(PortalAPIMixin, ScopedQuerysetMixin, viewsets.GenericViewSet):
    pass


class ScopedReadOnlyViewSet(PortalAPIMixin, ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    pass


def body_json(request):
    try:
        return json.loads(request.body or b"{}")
    except ValueError:
        return None


def body_object(request) -> dict:
    """The request's body as a mapping (JSON object or form fields); anything else is a 400."""
    if not isinstance(request.data, dict):
        raise DomainValidationError(_("The body must be a JSON object."))
    return request.data


def form_cleaned_data(form) -> dict:
    """Validate with the screen's own form, so both doors apply the same rules; its errors become field errors."""
    if not form.is_valid():
        raise serializers.ValidationError(
            {
                ("non_field_errors" if name == NON_FIELD_ERRORS else name): [
                    serializers.ErrorDetail(" ".join(error.messages), code=error.code or "invalid") for error in errors
                ]
                for name, errors in form.errors.as_data().items()
            }
        )
    return form.cleaned_data
