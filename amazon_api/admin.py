from django.contrib import admin

from vendor_portal.admin import AuditedModelAdmin

from .models import Transaction


@admin.register(Transaction)
class TransactionAdmin(AuditedModelAdmin):
    """Read-only: transactions change only through the worker."""

    list_display = ["id", "vendor", "kind", "status", "attempts", "created_at", "finished_at"]
    list_filter = ["status", "kind"]
    search_fields = ["id", "vendor__code"]
    readonly_fields = [f.name for f in Transaction._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
