"""A vendor admin manages the vendor's people: invite, change roles and marketplaces, remove."""

from typing import NamedTuple

from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from vendor_portal.errors import DomainValidationError, ForbiddenError, NotFoundError
from vendor_portal.models import InvitationStatus, Membership, MembershipInvitation, User
from vendor_portal.roles import VENDOR_ROLES, Role
from vendor_portal.states import transition

from .audit import Actor, audit_record, snapshot
from .notifications import _send_on_commit


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


class InviteOutcome(NamedTuple):
    user: User
    invitation: MembershipInvitation | None  # None: the roles were granted at once (a new account, or already on the team)


def member_invite(
    *, vendor, username: str, email: str, roles: list[str], marketplaces, actor: Actor, first_name="", last_name="", site_url=""
) -> InviteOutcome:
    """Add a person to the vendor. A new account gets no password: an e-mail lets them choose one. A person who
    already has an account (at another vendor, say) is only asked: nothing is granted, and nothing about them is
    shown to this vendor, until they accept (`invitation_answer`)."""
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
        elif not Membership.objects.filter(user=user, vendor=vendor).exists():
            return InviteOutcome(user, _invitation_create(vendor=vendor, user=user, roles=roles, marketplaces=marketplaces, actor=actor))
        _set_memberships(vendor, user, roles, marketplaces, actor)
        if created:
            transaction.on_commit(lambda: _send_welcome(user, vendor, site_url))
    return InviteOutcome(user, None)


INVITATION_AUDITED = ["vendor_id", "user_id", "roles", "status", "invited_by_id", "answered_at"]


def _invitation_state(invitation: MembershipInvitation) -> dict:
    return {**snapshot(invitation, INVITATION_AUDITED), "marketplaces": sorted(mp.code for mp in invitation.marketplaces.all()) or "all"}


def _invitation_create(*, vendor, user, roles, marketplaces, actor: Actor) -> MembershipInvitation:
    if actor.user is None:
        raise ForbiddenError(_("A person invites people, not a token."))
    if MembershipInvitation.objects.filter(vendor=vendor, user=user, status=InvitationStatus.PENDING).exists():
        raise DomainValidationError(_("This person has already been invited and has not answered yet."), field="username")
    invitation = MembershipInvitation.objects.create(vendor=vendor, user=user, roles=roles, invited_by=actor.user)
    invitation.marketplaces.set(marketplaces)
    audit_record(actor=actor, action="invitation.create", obj=invitation, vendor=vendor, after=_invitation_state(invitation))
    title = _("%(vendor)s invites you to join its team") % {"vendor": vendor.name}
    _send_on_commit({user.pk}, kind="team_invitation", title=title, url="/invitations/", vendor=None)
    vendor_name, inviter = vendor.name, actor.user.get_username()
    transaction.on_commit(lambda: _send_invitation_email(user, vendor_name, inviter))
    return invitation


def invitation_answer(*, user, invitation_id, accept: bool, make_default: bool = False, actor: Actor) -> MembershipInvitation:
    """The invited person accepts (the roles are granted; the vendor they start in stays as it was unless
    `make_default`) or declines. Someone else's invitation is not found."""
    with transaction.atomic():
        invitation = (
            MembershipInvitation.objects.select_for_update().filter(pk=invitation_id, user=user).first() if str(invitation_id).isdecimal() else None
        )
        if invitation is None:
            raise NotFoundError(_("Invitation not found."))
        before = _invitation_state(invitation)
        transition(invitation, InvitationStatus.ACCEPTED if accept else InvitationStatus.DECLINED, refusal=_already_answered)
        invitation.answered_at = timezone.now()
        invitation.save(update_fields=["status", "answered_at"])
        audit_record(
            actor=actor,
            action="invitation.accept" if accept else "invitation.decline",
            obj=invitation,
            vendor=invitation.vendor,
            before=before,
            after=_invitation_state(invitation),
        )
        if accept:
            _keep_default_vendor(user, new_vendor=invitation.vendor if make_default else None, actor=actor)
            _lock_vendor_memberships(invitation.vendor)
            _set_memberships(invitation.vendor, user, invitation.roles, list(invitation.marketplaces.all()), actor, granted_by=invitation.invited_by)
        answer = _("%(username)s accepted your invitation to %(vendor)s.") if accept else _("%(username)s declined your invitation to %(vendor)s.")
        _send_on_commit(
            {invitation.invited_by_id},
            kind="team_invitation_answered",
            title=answer % {"username": user.get_username(), "vendor": invitation.vendor.code},
            url="/team/",
            vendor=invitation.vendor,
        )
    return invitation


def invitation_withdraw(*, vendor, invitation_id, actor: Actor) -> MembershipInvitation:
    """A vendor admin takes back an invitation nobody answered yet."""
    with transaction.atomic():
        invitation = (
            MembershipInvitation.objects.for_vendor(vendor).select_for_update().filter(pk=invitation_id).first()
            if str(invitation_id).isdecimal()
            else None
        )
        if invitation is None:
            raise NotFoundError(_("Invitation not found."))
        before = _invitation_state(invitation)
        transition(invitation, InvitationStatus.WITHDRAWN, refusal=_already_answered)
        invitation.answered_at = timezone.now()
        invitation.save(update_fields=["status", "answered_at"])
        audit_record(actor=actor, action="invitation.withdraw", obj=invitation, vendor=vendor, before=before, after=_invitation_state(invitation))
    return invitation


def _already_answered(invitation: MembershipInvitation, _target: str) -> str:
    return _("This invitation is already %(status)s.") % {"status": invitation.get_status_display().lower()}


def _keep_default_vendor(user, *, new_vendor, actor: Actor) -> None:
    """Joining a vendor must not move the person to it when they next sign in: their current first vendor
    becomes their explicit default (or the new vendor, when they chose it)."""
    current = (
        Membership.objects.filter(user=user, vendor__isnull=False, vendor__is_active=True)
        .order_by("vendor_id")
        .values_list("vendor_id", flat=True)
        .first()
    )
    chosen = new_vendor.pk if new_vendor is not None else (user.default_vendor_id or current)
    if chosen == user.default_vendor_id:
        return
    before = {"default_vendor_id": user.default_vendor_id}
    User.objects.filter(pk=user.pk).update(default_vendor_id=chosen)
    user.default_vendor_id = chosen
    audit_record(actor=actor, action="user.default_vendor", obj=user, before=before, after={"default_vendor_id": chosen})


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


def _set_memberships(vendor, user, roles, marketplaces, actor: Actor, granted_by=None) -> None:
    """Make the person's roles at the vendor exactly `roles`, each limited to `marketplaces`; one audit row per membership.
    A new role records who gave it (`granted_by`, else the actor)."""
    codes = sorted(mp.code for mp in marketplaces)
    for membership in Membership.objects.filter(vendor=vendor, user=user).exclude(role__in=roles):
        audit_record(actor=actor, action="membership.revoke", obj=membership, vendor=vendor, before=_describe(membership), after=None)
        membership.delete()
    for role in roles:
        membership, created = Membership.objects.get_or_create(user=user, vendor=vendor, role=role, defaults={"granted_by": granted_by or actor.user})
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


def _send_invitation_email(user, vendor_name: str, inviter: str) -> None:
    from django.conf import settings
    from django.utils import translation

    if not user.email:
        return
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        send_mail(
            _("%(vendor)s invites you to its team on the Vendor Portal") % {"vendor": vendor_name},
            _(
                "%(inviter)s invited you to join %(vendor)s on the Vendor Portal.\n"
                "Sign in and open Invitations to accept or decline. Nothing changes for you until you answer."
            )
            % {"inviter": inviter, "vendor": vendor_name},
            None,
            [user.email],
        )
