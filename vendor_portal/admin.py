from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from vendor_portal import models


class MembershipInline(admin.TabularInline):
    model = models.Membership
    fk_name = "user"
    extra = 0
    filter_horizontal = ["marketplaces"]


@admin.register(models.User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "email", "first_name", "last_name", "is_active", "is_staff"]


@admin.register(models.Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "gs1_company_prefix", "invoice_approval_threshold", "is_active"]
    search_fields = ["code", "name"]


admin.site.register(models.Marketplace)


@admin.register(models.Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "marketplace", "city", "receiving_hours"]
    list_filter = ["marketplace"]


@admin.register(models.VendorAccount)
class VendorAccountAdmin(admin.ModelAdmin):
    list_display = ["vendor", "marketplace", "vendor_code"]


@admin.register(models.Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["vendor_sku", "asin", "gtin", "title", "vendor", "case_pack"]
    list_filter = ["vendor"]
    search_fields = ["vendor_sku", "asin", "gtin", "title"]


class ReadOnlyAdmin(admin.ModelAdmin):
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
