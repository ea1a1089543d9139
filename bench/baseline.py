"""Baseline pages for the benchmarks: the first page of vendor BENCH's POs as a bare DRF view and as a bare
Django view, over the same rows and fields as the portal's GET /api/v1/purchase-orders/; and one UPDATE of a
carton row, beside a receiving scan. Routed only by the benchmarks (bench/api_cpu.py, bench/load,
bench/receiving.py), never by the portal."""

import os
from functools import cache

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_POST
from rest_framework import generics, pagination, permissions, serializers

from purchase_orders.models import PurchaseOrder
from purchase_orders.selectors import with_line_totals
from vendor_portal.models import Vendor

# bench/po_list.py's vendor; bench/load sets BENCH_BASELINE_VENDOR to the vendor of the size it measures.
VENDOR_CODE = os.environ.get("BENCH_BASELINE_VENDOR", "BENCH")


@cache
def bench_vendor_id() -> int:
    return Vendor.objects.values_list("pk", flat=True).get(code=VENDOR_CODE)


def bench_queryset():
    return with_line_totals(PurchaseOrder.objects.filter(vendor_id=bench_vendor_id()).select_related("vendor", "marketplace", "ship_to"))


class BarePurchaseOrderSerializer(serializers.ModelSerializer):
    vendor = serializers.CharField(source="vendor.code")
    marketplace = serializers.CharField(source="marketplace.code")
    ship_to = serializers.CharField(source="ship_to.code")
    line_count = serializers.IntegerField()
    total_ordered_quantity = serializers.IntegerField()
    total_accepted_quantity = serializers.IntegerField()
    total_cost = serializers.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        model = PurchaseOrder
        fields = [
            "number", "vendor", "marketplace", "ship_to", "state", "order_type", "order_date", "ship_window_start", "ship_window_end",
            "delivery_window_start", "delivery_window_end", "currency", "payment_terms", "confirmation_due_at", "changed_at",
            "acknowledged_at", "promised_ship_date", "estimated_ship_date", "line_count", "total_ordered_quantity",
            "total_accepted_quantity", "total_cost",
        ]  # fmt: skip


class BarePagination(pagination.CursorPagination):
    page_size = 100
    ordering = ("-order_date", "-id")


class BareDrfList(generics.ListAPIView):
    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = []
    serializer_class = BarePurchaseOrderSerializer
    pagination_class = BarePagination

    def get_queryset(self):
        return bench_queryset()


def bare_django_list(request):
    rows = list(
        bench_queryset()
        .order_by("-order_date", "-id")
        .values(*[name for name in BarePurchaseOrderSerializer.Meta.fields if name not in ("vendor", "marketplace", "ship_to")],
                "vendor__code", "marketplace__code", "ship_to__code")[:100]
    )  # fmt: skip
    return JsonResponse({"results": rows}, encoder=DjangoJSONEncoder)


@require_POST
def bare_carton_update(request, pk):
    """bench/receiving.py's baseline for a scan: one UPDATE of a carton row, no portal decorator, service,
    audit row or event; the same middleware (sessions, CSRF) as the portal's pages."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE shipments_carton SET tracking_number = %s WHERE id = %s", [request.POST.get("tracking", ""), pk])
        updated = cursor.rowcount
    return JsonResponse({"updated": updated})
