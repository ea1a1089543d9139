from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vendor_portal.roles import RETAILER_ROLES, VENDOR_ROLES, Role
from vendor_portal.states import StateMachine
from vendor_portal.tenancy import VendorScopedQuerySet

from .places import Marketplace
from .vendors import Vendor


class User(AbstractUser):
    preferred_language = models.CharField(_("language"), max_length=10, blank=True)
    # The IANA zone pages show times in (vendor_portal.middleware.UserTimeZoneMiddleware); empty: UTC.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    # The vendor a person starts in when they belong to several; empty: the first of them. Joining another
    # vendor leaves it as it was unless they choose the new one.
    default_vendor = models.ForeignKey(Vendor, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("default vendor"))

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class Membership(models.Model):
    """A role a person holds: for one vendor (vendor roles) or for the retailer (vendor left empty).

    A vendor membership may be limited to some marketplaces; none listed means all of them.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    marketplaces = models.ManyToManyField(Marketplace, blank=True, verbose_name=_("limited to marketplaces"))
    created_at = models.DateTimeField(auto_now_add=True)
    # Who gave the role: a bank change's checker must not be someone the requester has just let in.
    granted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "vendor", "role"], name="uniq_membership_role"),
            models.UniqueConstraint(fields=["user", "role"], condition=Q(vendor__isnull=True), name="uniq_retailer_membership_role"),
            models.CheckConstraint(
                condition=(Q(vendor__isnull=False, role__in=sorted(r.value for r in VENDOR_ROLES)))
                | Q(vendor__isnull=True, role__in=sorted(r.value for r in RETAILER_ROLES)),
                name="membership_role_matches_side",
            ),
        ]

    def __str__(self) -> str:
        where = self.vendor.code if self.vendor_id else _("retailer")
        return f"{self.user} · {self.get_role_display()} · {where}"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")  # the person has not answered yet; they have no access
    ACCEPTED = "accepted", _("Accepted")  # the roles were granted
    DECLINED = "declined", _("Declined")  # the person said no; nothing granted
    WITHDRAWN = "withdrawn", _("Withdrawn")  # the vendor's admin took it back before an answer


class MembershipInvitation(StateMachine, models.Model):
    """A vendor asks a person who already has an account to join its team. Nothing is granted, and the
    vendor learns nothing about the person (e-mail, last sign-in), until the person accepts."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    roles = models.JSONField(_("roles"), default=list)
    marketplaces = models.ManyToManyField(Marketplace, blank=True, verbose_name=_("limited to marketplaces"))
    status = models.CharField(_("status"), max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = VendorScopedQuerySet.as_manager()

    state_field = "status"
    TRANSITIONS = {
        InvitationStatus.PENDING: {InvitationStatus.ACCEPTED, InvitationStatus.DECLINED, InvitationStatus.WITHDRAWN},
        InvitationStatus.ACCEPTED: set(),
        InvitationStatus.DECLINED: set(),
        InvitationStatus.WITHDRAWN: set(),
    }

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=InvitationStatus.values), name="invitation_status_valid"),
            models.UniqueConstraint(fields=["vendor", "user"], condition=Q(status="pending"), name="uniq_pending_invitation"),
        ]
        verbose_name = _("team invitation")
        verbose_name_plural = _("team invitations")

    def __str__(self) -> str:
        return f"{self.user} → {self.vendor.code}"

    def role_labels(self) -> list[str]:
        return [str(Role(role).label) for role in self.roles if role in Role.values]
