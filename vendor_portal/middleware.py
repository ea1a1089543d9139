import re
import time
import uuid
import zoneinfo

from django.conf import settings
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect
from rest_framework.response import Response

from vendor_portal.error_views import door_error_response
from vendor_portal.services.two_factor import STATE_SESSION_KEY, VERIFIED_AT_SESSION_KEY, SecondFactorRequiredError, State, sign_in_state
from vendor_portal.tenancy import scope_for_user

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContextMiddleware:
    """Gives each request an id (echoed as X-Request-ID and Amazon's x-amzn-RequestId) and the
    signed-in person's tenancy scope as `request.scope` (API views replace it for tokens)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.scope = _LazyScope(request)
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        response["x-amzn-RequestId"] = request.request_id
        return response


class SignedInPagesMiddleware:
    """What a signed-in answer carries: `Cache-Control: no-store` (pages, API answers and exports hold a
    vendor's data: no browser or proxy keeps a copy), and a session kept alive while it is used, ending
    SESSION_IDLE_MINUTES after the last request. The expiry is renewed at most once a minute: a session
    write per request would cost every page a database write."""

    RENEW_AFTER_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if "Cache-Control" not in response:
                add_never_cache_headers(response)
            session = getattr(request, "session", None)
            now = int(time.time())
            if session is not None and session.session_key and now - session.get("seen", 0) >= self.RENEW_AFTER_SECONDS:
                session["seen"] = now  # modified: SessionMiddleware saves it with a fresh expiry
        return response


class _LazyScope:
    """Resolved on first use, so static files and anonymous pages cost no query."""

    def __init__(self, request):
        self._request = request
        self._resolved = False
        self._scope = None

    def get(self):
        if not self._resolved:
            self._scope = _session_scope(self._request)
            self._resolved = True
        return self._scope


def _session_scope(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return scope_for_user(user, request.session.get("active_vendor_id"))


def request_scope(request):
    scope = getattr(request, "scope", None)
    if isinstance(scope, _LazyScope):
        scope = scope.get()
        request.scope = scope
    return scope


class UserTimeZoneMiddleware:
    """Pages show times in the signed-in person's time zone (their choice at /accounts/time-zone/), so a
    vendor in Shanghai reads a deadline in Shanghai time; dates people type are read in it too. The API
    and the Amazon door answer in UTC whoever calls."""

    DOOR_PREFIXES = ("/api/", "/vendor/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        zone = None
        if user is not None and user.is_authenticated and user.time_zone and not request.path.startswith(self.DOOR_PREFIXES):
            zone = user_zone(user.time_zone)
        if zone is None:
            return self.get_response(request)
        timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


def user_zone(name: str) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


class DoorErrorMiddleware:
    """Outermost: under a door's prefix (see `error_views.register_error_renderer`) an error Django answered
    itself, in HTML (its error pages, or with DEBUG its pages for an unknown host, a 404 or a 500), becomes
    the door's JSON error. Answers the door's views shaped (DRF responses, JSON) pass untouched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 400 or isinstance(response, Response) or response.get("Content-Type", "").startswith("application/json"):
            return response
        door = door_error_response(request, response.status_code)
        if door is None:
            return response
        for header, value in response.items():
            if header.lower() not in ("content-type", "content-length", "content-disposition"):
                door[header] = value
        return door


# Pages a person between the password and the code may open: the code step, enrolment, sign-out, the language.
TWO_FACTOR_OPEN_VIEWS = {"two_factor_verify", "two_factor_enrol", "login", "logout", "set_language", "javascript-catalog", "healthz", "readyz"}


class TwoFactorMiddleware:
    """A person signed in with a password who has an authenticator app gets the code step before anything else; one
    whose role needs a second factor and who has none, the enrolment. Where they stand is kept in the session
    (set at sign-in, vendor_portal/signals.py), so a signed-in request costs no query. Only the session counts:
    API token clients carry no session (a token is a factor of its own), and a header cannot talk a half signed-in
    session past this."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated:
            return None
        state = request.session.get(STATE_SESSION_KEY)
        if state is None:  # a session from before two-factor sign-in existed
            state = request.session[STATE_SESSION_KEY] = sign_in_state(user)
        elif state == State.DONE and not request.session.get(VERIFIED_AT_SESSION_KEY) and settings.OTP_REQUIRED_ROLES:
            state = _recheck_without_second_factor(request, user)
        if state == State.DONE or getattr(request.resolver_match, "url_name", None) in TWO_FACTOR_OPEN_VIEWS:
            return None
        return _two_factor_response(request, "two_factor_verify" if state == State.CODE else "two_factor_enrol")


# How often a session signed in with a password alone checks whether that is still enough.
TWO_FACTOR_RECHECK_SECONDS = 60
RECHECKED_AT_SESSION_KEY = "two_factor_rechecked_at"


def _recheck_without_second_factor(request, user) -> str:
    """Signed in with a password alone, because no role needed more: a role that does may be granted since (or an
    authenticator added in another session). Within a minute of it the session is sent to enrol (or for a code),
    at the cost of one query a minute per such session, not one per request."""
    now = time.time()
    if now - request.session.get(RECHECKED_AT_SESSION_KEY, 0) < TWO_FACTOR_RECHECK_SECONDS:
        return State.DONE
    request.session[RECHECKED_AT_SESSION_KEY] = now
    state = sign_in_state(user)
    if state != State.DONE:
        request.session[STATE_SESSION_KEY] = state
    return state


def _two_factor_response(request, url_name):
    if request.path.startswith(("/api/", "/vendor/")):
        error = SecondFactorRequiredError()
        return JsonResponse({"errors": error.as_error_list()}, status=error.status)
    target = reverse(url_name) + "?" + urlencode({"next": request.get_full_path()})
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(target)
    return HttpResponseRedirect(target)
