"""A vendor admin manages the vendor's people: invite, change roles and marketplaces, remove."""

from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from vendor_portal.errors import DomainValidationError, ForbiddenError
from vendor_portal.models import Membership, User
from vendor_portal.roles import VENDOR_ROLES, Role

from .audit import Actor, audit_record


def _membership_state(vendor, user) -> dict:
    memberships = Membership.objects.filter(vendor=vendor, user=user).prefetch_related("marketplaces").order_by("role")
    return {m.role: sorted(mp.code for mp in m.marketplaces.all()) for m in memberships}


def _check_roles(roles) -> list[str]:
    roles = sorted(set(roles))
    if not roles:
        raise DomainValidationError(_("Give the person at least one role."), field="roles")
    unknown = [role for role in roles if role not in {r.value for r in VENDOR_ROLES}]
    if unknown:
        raise DomainValidationError(_("Unknown role: %(roles)s") % {"roles": ", ".join(unknown)}, field="roles")
    return roles


def member_invite(*, vendor, username: str, email: str, roles: list[str], marketplaces, actor: Actor, first_name="", last_name="", site_url=""):
    """Add a person to the vendor. A new account gets no password: an e-mail lets them choose one."""
    roles = _check_roles(roles)
    username = username.strip().lower()
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        created = user is None
        if created:
            if User.objects.filter(email__iexact=email).exists():
                raise DomainValidationError(_("Another account already uses this e-mail address."), field="email")
            user = User(username=username, email=email, first_name=first_name, last_name=last_name)
            user.set_unusable_password()
            user.save()
            audit_record(actor=actor, action="user.create", obj=user, vendor=vendor, after={"username": username, "email": email})
        elif Membership.objects.filter(user=user, vendor__isnull=True).exists():
            raise DomainValidationError(_("This username belongs to a retailer account."), field="username")
        _set_memberships(vendor, user, roles, marketplaces, actor)
        if created:
            transaction.on_commit(lambda: _send_welcome(user, vendor, site_url))
    return user


def member_update(*, vendor, user, roles: list[str], marketplaces, actor: Actor):
    roles = _check_roles(roles)
    with transaction.atomic():
        _lock_vendor_memberships(vendor)
        before = _membership_state(vendor, user)
        if not before:
            raise DomainValidationError(_("This person is not a member of %(vendor)s.") % {"vendor": vendor.code})
        if Role.VENDOR_ADMIN in before and Role.VENDOR_ADMIN not in roles:
            _refuse_last_admin(vendor, user)
        _set_memberships(vendor, user, roles, marketplaces, actor)
    return user


def _set_memberships(vendor, user, roles, marketplaces, actor: Actor) -> None:
    """Make the person's roles at the vendor exactly `roles`, each limited to `marketplaces`; one audit row per membership."""
    codes = sorted(mp.code for mp in marketplaces)
    for membership in Membership.objects.filter(vendor=vendor, user=user).exclude(role__in=roles):
        audit_record(actor=actor, action="membership.revoke", obj=membership, vendor=vendor, before=_describe(membership), after=None)
        membership.delete()
    for role in roles:
        membership, created = Membership.objects.get_or_create(user=user, vendor=vendor, role=role)
        before = None if created else _describe(membership)
        membership.marketplaces.set(marketplaces)
        after = {"user": user.username, "role": role, "marketplaces": codes or "all"}
        if before != after:
            audit_record(
                actor=actor, action="membership.grant" if created else "membership.change", obj=membership, vendor=vendor, before=before, after=after
            )


def _describe(membership) -> dict:
    codes = sorted(mp.code for mp in membership.marketplaces.all())
    return {"user": membership.user.username, "role": membership.role, "marketplaces": codes or "all"}


def member_remove(*, vendor, user, actor: Actor) -> None:
    with transaction.atomic():
        _lock_vendor_memberships(vendor)
        if actor.user is not None and actor.user.pk == user.pk:
            raise ForbiddenError(_("You cannot remove yourself; ask another admin."))
        if Membership.objects.filter(vendor=vendor, user=user, role=Role.VENDOR_ADMIN).exists():
            _refuse_last_admin(vendor, user)
        for membership in Membership.objects.filter(vendor=vendor, user=user):
            audit_record(actor=actor, action="membership.revoke", obj=membership, vendor=vendor, before=_describe(membership), after=None)
            membership.delete()


def _lock_vendor_memberships(vendor) -> None:
    # Two admins removing each other at once must not leave the vendor without an admin.
    list(Membership.objects.select_for_update().filter(vendor=vendor).order_by("pk").values_list("pk", flat=True))


def _refuse_last_admin(vendor, user) -> None:
    others = Membership.objects.filter(vendor=vendor, role=Role.VENDOR_ADMIN, user__is_active=True).exclude(user=user)
    if not others.exists():
        raise DomainValidationError(_("%(vendor)s needs at least one vendor admin.") % {"vendor": vendor.code}, field="roles")


def _send_welcome(user, vendor, site_url: str) -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = site_url.rstrip("/") + reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)})
    send_mail(
        _("You have been invited to the Vendor Portal"),
        _("You now have access to %(vendor)s on the Vendor Portal.\nYour username: %(username)s\nChoose your password here: %(link)s\n")
        % {"vendor": vendor.name, "username": user.username, "link": link},
        None,
        [user.email],
    )
