from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.utils import timezone

from vendor_portal import models
from vendor_portal.services.audit import Actor, audit_record, snapshot

# Never copied into the audit trail: a change to one is recorded as "changed" only.
SECRET_FIELDS = {"password", "key_hash", "secret"}


def _admin_snapshot(obj) -> dict:
    """The object's fields and many-to-many ids, secrets masked."""
    data = snapshot(obj)
    for field in obj._meta.many_to_many:
        data[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True)) if obj.pk else []
    return data


def _mask(before: dict | None, after: dict | None) -> tuple[dict | None, dict | None]:
    for name in SECRET_FIELDS:
        changed = (before or {}).get(name) != (after or {}).get(name)
        if before is not None and name in before:
            before[name] = "(hidden)"
        if after is not None and name in after:
            after[name] = "(changed)" if changed else "(hidden)"
    return before, after


def _admin_audit(request, action: str, obj, *, before: dict | None = None, after: dict | None = None) -> None:
    before, after = _mask(before, after)
    vendor = obj if isinstance(obj, models.Vendor) and action != "delete" else None  # a deleted vendor's rows would hold it
    audit_record(actor=Actor.from_request(request), action=f"admin.{action}", obj=obj, vendor=vendor, before=before, after=after)


class AuditedModelAdmin(admin.ModelAdmin):
    """Every change made in the Django admin writes an audit row like a service's, in the same transaction:
    `admin.add`, `admin.change` (before and after, many-to-many included) and `admin.delete`, for the
    object and for each object of its inlines. Paths that save without `save_model` (the password form)
    are caught by `log_change`."""

    def save_model(self, request, obj, form, change):
        stored = type(obj)._default_manager.filter(pk=obj.pk).first() if change and obj.pk else None
        obj._admin_audit_before = _admin_snapshot(stored) if stored is not None else None
        super().save_model(request, obj, form, change)

    def log_addition(self, request, obj, message):
        _admin_audit(request, "add", obj, after=_admin_snapshot(obj))
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        # after save_related: the many-to-many fields and the inlines are saved too
        _admin_audit(request, "change", obj, before=getattr(obj, "_admin_audit_before", None), after=_admin_snapshot(obj))
        return super().log_change(request, obj, message)

    def delete_model(self, request, obj):
        with transaction.atomic():
            _admin_audit(request, "delete", obj, before=_admin_snapshot(obj))
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                _admin_audit(request, "delete", obj, before=_admin_snapshot(obj))
            super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        before = {}
        for inline_form in formset.initial_forms:
            instance = inline_form.instance
            if instance.pk and (inline_form.has_changed() or inline_form in formset.deleted_forms):
                stored = type(instance)._default_manager.filter(pk=instance.pk).first()
                if stored is not None:
                    before[instance.pk] = _admin_snapshot(stored)
        for inline_form in formset.deleted_forms:
            if inline_form.instance.pk in before:
                _admin_audit(request, "delete", inline_form.instance, before=before[inline_form.instance.pk])
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            _admin_audit(request, "add", obj, after=_admin_snapshot(obj))
        for obj, _fields in formset.changed_objects:
            _admin_audit(request, "change", obj, before=before.get(obj.pk), after=_admin_snapshot(obj))


class MembershipInline(admin.TabularInline):
    model = models.Membership
    fk_name = "user"
    extra = 0
    filter_horizontal = ["marketplaces"]


@admin.register(models.User)
class UserAdmin(AuditedModelAdmin, BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "email", "first_name", "last_name", "is_active", "is_staff"]


@admin.register(models.Vendor)
class VendorAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "gs1_company_prefix", "invoice_approval_threshold", "is_active"]
    search_fields = ["code", "name"]


admin.site.register(models.Marketplace, AuditedModelAdmin)


@admin.register(models.Warehouse)
class WarehouseAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "marketplace", "city", "receiving_hours"]
    list_filter = ["marketplace"]


@admin.register(models.VendorAccount)
class VendorAccountAdmin(AuditedModelAdmin):
    list_display = ["vendor", "marketplace", "vendor_code", "tax_registration_number"]
    list_select_related = ["vendor", "marketplace"]
    readonly_fields = ["tax_registration_changed_at", "tax_registration_changed_by"]

    def save_model(self, request, obj, form, change):
        from vendor_portal import events

        changed = change and "tax_registration_number" in form.changed_data
        if changed:  # the vendor's screen shows since when and by whom
            obj.tax_registration_changed_at = timezone.now()
            obj.tax_registration_changed_by = Actor.from_request(request).label[:200]
        super().save_model(request, obj, form, change)
        if changed:  # the vendor's drafts follow, as when the vendor changes it (services.tax_registrations)
            actor = Actor.from_request(request)
            events.publish(
                events.TaxRegistrationChanged(
                    vendor_id=obj.vendor_id,
                    channel=actor.channel,
                    changed_by_user_id=actor.user.pk if actor.user is not None else None,
                    vendor_account_id=obj.pk,
                    marketplace_id=obj.marketplace_id,
                    tax_registration_number=obj.tax_registration_number,
                    previous_tax_registration_number=form.initial.get("tax_registration_number") or "",
                )
            )


@admin.register(models.Product)
class ProductAdmin(AuditedModelAdmin):
    list_display = ["vendor_sku", "asin", "gtin", "title", "vendor", "case_pack"]
    list_filter = ["vendor"]
    search_fields = ["vendor_sku", "asin", "gtin", "title"]


class ReadOnlyAdmin(AuditedModelAdmin):
    """Back-office view of records that only services may write."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "actor_label", "channel", "vendor", "action", "object_type", "object_repr"]
    list_filter = ["channel", "vendor", "object_type"]
    search_fields = ["object_repr", "action", "actor_label", "object_id"]
    date_hierarchy = "occurred_at"


@admin.register(models.ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "vendor", "key_prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["vendor"]
    exclude = ["key_hash"]


@admin.register(models.ApprovalRequest)
class ApprovalRequestAdmin(ReadOnlyAdmin):
    list_display = ["summary", "kind", "vendor", "status", "requested_by", "decided_by", "requested_at"]
    list_filter = ["kind", "status"]


@admin.register(models.Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "vendor", "status", "progress_done", "progress_total", "created_at"]
    list_filter = ["kind", "status"]


@admin.register(models.Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["title", "user", "kind", "created_at", "read_at"]
