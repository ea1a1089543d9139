"""Purchase-order reads for the screens, the exports and the API. Every read starts at `visible_to(scope)`."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, IntegerField, OuterRef, Prefetch, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from vendor_portal.errors import DomainValidationError, NotFoundError, field_error

from .filters import ORDERING_FIELDS, PurchaseOrderFilter
from .models import STATE_RANK, Acknowledgement, PurchaseOrder, PurchaseOrderLine

DEFAULT_ORDERING = "-order_date"


def _line_aggregate(expression, output_field):
    """One number per PO from its lines, as a correlated subquery: the database computes it only for the
    rows of the page, where a join + GROUP BY would aggregate every line of every PO first."""
    lines = (
        PurchaseOrderLine.objects.filter(purchase_order=OuterRef("pk"))
        .order_by()
        .values("purchase_order")
        .annotate(result=expression)
        .values("result")
    )
    return Coalesce(Subquery(lines, output_field=output_field), Value(0), output_field=output_field)


def with_line_totals(queryset):
    money = DecimalField(max_digits=16, decimal_places=2)
    return queryset.annotate(
        line_count=_line_aggregate(Count("pk"), IntegerField()),
        total_ordered_quantity=_line_aggregate(Sum("ordered_quantity"), IntegerField()),
        total_accepted_quantity=_line_aggregate(Sum("accepted_quantity"), IntegerField()),
        total_cost=_line_aggregate(Sum(ExpressionWrapper(F("net_cost") * F("ordered_quantity"), output_field=money)), money),
    )


def ordering_from_param(value: str | None) -> tuple[str, str]:
    """`ordering` (one of ORDERING_FIELDS, `-` for descending) plus the id as tie-break, so a cursor is exact."""
    value = (value or DEFAULT_ORDERING).strip()
    descending = value.startswith("-")
    name = value.lstrip("-")
    if name not in ORDERING_FIELDS:
        raise DomainValidationError(
            _("Cannot order by %(value)s; use one of %(fields)s (prefix - for descending).") % {"value": value, "fields": ", ".join(ORDERING_FIELDS)},
            field="ordering",
        )
    field = ORDERING_FIELDS[name]
    return (f"-{field}", "-id") if descending else (field, "id")


def purchase_order_filterset(*, scope, params, filterset_class=PurchaseOrderFilter):
    """The filters of the list over the POs the scope may see; the screen passes its PurchaseOrderListFilter."""
    filterset = filterset_class(data=params, queryset=PurchaseOrder.objects.visible_to(scope), scope=scope)
    for list_filter in filterset.filters.values():
        # django-filter adds DISTINCT for multiple-choice filters in case they cross a to-many relation.
        # These filter the PO's own columns, so no row can repeat; DISTINCT would make the database
        # sort every matching PO (and compute its line totals) before taking a page.
        if "__" not in (list_filter.field_name or ""):
            list_filter.distinct = False
    return filterset


def purchase_order_list(*, scope, params, filterset=None, ordering=None):
    """The POs the scope may see, filtered by PurchaseOrderFilter's parameters and ordered by `ordering`
    (default: the `ordering` parameter), for the API and the screen alike.

    Everything a list row shows comes from this one query (codes by select_related, line totals as
    correlated subqueries the database computes for the page's rows only), so a page costs the same
    number of queries, and about the same time, whatever the list's length. The screen passes its own
    `filterset` (from purchase_order_filterset, whose errors it shows next to the fields) and ordering;
    without one, filters that are not valid raise DomainValidationError.
    """
    params = params if params is not None else {}
    if filterset is None:
        filterset = purchase_order_filterset(scope=scope, params=params)
        if not filterset.is_valid():
            errors = [field_error(None, name, message) for name, messages in filterset.errors.items() for message in messages]
            raise DomainValidationError(_("The filters are not valid."), errors=errors)
    ordering = ordering or ordering_from_param(params.get("ordering"))
    queryset = filterset.qs.select_related("vendor", "marketplace", "ship_to")
    if any(name.lstrip("-") == "state_rank" for name in ordering):
        queryset = queryset.annotate(state_rank=STATE_RANK)
    return with_line_totals(queryset).order_by(*ordering)


def purchase_order_detail(*, scope, number: str) -> PurchaseOrder:
    """One PO with its lines (in sequence order) and every confirmation revision (newest first)."""
    po = (
        PurchaseOrder.objects.visible_to(scope)
        .select_related("vendor", "marketplace", "ship_to", "created_by")
        .prefetch_related(
            Prefetch("lines", queryset=PurchaseOrderLine.objects.order_by("sequence")),
            Prefetch("acknowledgements", queryset=Acknowledgement.objects.select_related("submitted_by").order_by("-revision")),
        )
        .filter(number=number)
        .first()
    )
    if po is None:
        raise NotFoundError(_("Purchase order not found."))
    return po


def purchase_order_totals(po: PurchaseOrder) -> dict:
    """Totals of a PO whose lines are loaded (the detail page and API)."""
    lines = list(po.lines.all())
    return {
        "line_count": len(lines),
        "total_ordered_quantity": sum(line.ordered_quantity for line in lines),
        "total_accepted_quantity": sum(line.accepted_quantity for line in lines),
        "total_cost": sum((line.line_total for line in lines), Decimal("0.00")),
    }


def purchase_order_next_to_confirm(*, scope, exclude: PurchaseOrder | None = None) -> PurchaseOrder | None:
    """The PO awaiting the vendor's confirmation that is due first (`exclude`: the one just confirmed)."""
    queryset = PurchaseOrder.objects.visible_to(scope).needing_confirmation().select_related("marketplace", "ship_to")
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude.pk)
    return queryset.order_by("confirmation_due_at", "id").first()
