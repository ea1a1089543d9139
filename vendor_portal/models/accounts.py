from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vendor_portal.roles import RETAILER_ROLES, VENDOR_ROLES, Role

from .places import Marketplace
from .vendors import Vendor


class User(AbstractUser):
    preferred_language = models.CharField(_("language"), max_length=10, blank=True)

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
