from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal.errors import DomainValidationError, InvalidTransitionError
from vendor_portal.models import ApiToken
from vendor_portal.models.tokens import ALL_SCOPES

from .audit import Actor, audit_record, snapshot

AUDITED_FIELDS = ["name", "key_prefix", "scopes", "expires_at", "revoked_at"]


def api_token_create(*, vendor, name: str, scopes: list[str] | None, actor: Actor, expires_at=None) -> tuple[ApiToken, str]:
    """Create a token and return it with its raw value, which is never stored and shown only once."""
    name = (name or "").strip()
    if not name:
        raise DomainValidationError(_("Give the token a name, e.g. the system that will use it."), field="name")
    scopes = list(dict.fromkeys(scopes or ALL_SCOPES))
    unknown = sorted(set(scopes) - set(ALL_SCOPES))
    if unknown:
        raise DomainValidationError(
            _("Unknown scope(s): %(scopes)s. Known scopes: %(known)s.") % {"scopes": ", ".join(unknown), "known": ", ".join(ALL_SCOPES)},
            field="scopes",
        )
    raw, prefix, key_hash = ApiToken.generate()
    with transaction.atomic():
        token = ApiToken.objects.create(
            vendor=vendor, name=name, key_prefix=prefix, key_hash=key_hash, scopes=scopes, created_by=actor.user, expires_at=expires_at
        )
        audit_record(actor=actor, action="api_token.create", obj=token, after=snapshot(token, AUDITED_FIELDS))
    return token, raw


def api_token_revoke(*, token: ApiToken, actor: Actor) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at:
            raise InvalidTransitionError(_("This token is already revoked."))
        before = snapshot(token, AUDITED_FIELDS)
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token.revoke", obj=token, before=before, after=snapshot(token, AUDITED_FIELDS))
    return token
