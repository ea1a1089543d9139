"""A person's own preferences: the time zone pages show times in (vendor_portal.middleware.UserTimeZoneMiddleware)."""

import zoneinfo

from django.utils.translation import gettext as _

from vendor_portal.errors import DomainValidationError

from .audit import Actor, audit_record

TIME_ZONE_AUDITED = ["time_zone"]


def time_zones() -> list[str]:
    """Every IANA zone this machine knows, by region then city (Africa/Abidjan ... Pacific/Wallis), UTC last."""
    return sorted(name for name in zoneinfo.available_timezones() if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/"))) + ["UTC"]


def time_zone_choose(*, user, time_zone: str, actor: Actor):
    """`time_zone` is an IANA name (Asia/Shanghai), or empty for UTC."""
    time_zone = (time_zone or "").strip()
    if time_zone == "UTC":
        time_zone = ""
    if time_zone and time_zone not in zoneinfo.available_timezones():
        raise DomainValidationError(_("%(zone)s is not a time zone; choose one from the list.") % {"zone": time_zone[:64]}, field="time_zone")
    if time_zone == user.time_zone:
        return user
    before = {"time_zone": user.time_zone}
    user.time_zone = time_zone
    user.save(update_fields=["time_zone"])
    audit_record(actor=actor, action="user.time_zone", obj=user, before=before, after={"time_zone": time_zone})
    return user
