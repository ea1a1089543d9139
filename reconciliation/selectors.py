"""Reads of reconciliation for the screens and the API. Every read goes through `visible_to(scope)`.

Stable names:
- `deduction_list(*, scope, filters=None)` — filters: kind, status, reason, variance_type, marketplace
  (code or id), invoice (id), invoice_number, purchase_order (number), unsettled ("1"), disputable
  ("1": open to a dispute today), created_after / created_before (dates), vendor (retailer only, code).
- `deduction_detail(*, scope, deduction_id)` -> Deduction with reversals_total / remaining annotations.
- `dispute_list(*, scope, deduction=None, status=None)`
- `remittance_list(*, scope, filters=None)` — lines prefetched; filters: marketplace, pay_date_from,
  pay_date_to, run (id, retailer), vendor (code, retailer).
- `payment_run_list(*, scope)` — retailer only (vendors get nothing).
- `match_results(*, scope, invoice_id)` — the evidence of one invoice's lines.
- `payment_summary(*, scope, marketplace=None, period_start=None, period_end=None, vendor=None)` — the
  finance overview, a handful of aggregate queries; money is Decimal per currency:
    {"today", "period_start", "period_end", "currencies": [...],
     "open_invoices": [{"state", "currency", "count", "amount"}],
     "aging": [{"currency", "bucket", "count", "amount"}]  (buckets AGING_BUCKETS: not_due, 1_30, 31_60, 61_90, 90_plus
              — days past the due date, of invoices submitted/accepted/on hold/approved for payment),
     "paid": [{"currency", "remittances", "gross_paid", "deductions_total", "reversals_total", "discounts_total", "net_amount"}]
              (remittances paid with pay date in the period: the same numbers as the remittances),
     "deductions_by_month": [{"month": date (1st), "kind", "currency", "count", "amount"}],
     "deductions_by_kind": [{"kind", "currency", "count", "amount"}]  (the period's totals),
     "unsettled_deductions": [{"currency", "deductions", "reversals", "net"}]  (to be netted in the next run),
     "open_disputes": [{"currency", "count", "amount"}],
     "cash_expected_by_week": [{"week_start": date (Monday), "currency", "count", "amount"}]
              (invoices approved for payment, by the week they fall due; overdue ones in the current week)}
"""
from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from invoicing.models import Invoice, InvoiceState, InvoiceType

from .models import (
    ZERO,
    Deduction,
    DeductionKind,
    Dispute,
    DisputeStatus,
    MatchResult,
    PaymentRun,
    PaymentRunStatus,
    Remittance,
)

OPEN_INVOICE_STATES = (
    InvoiceState.SUBMITTED, InvoiceState.ACCEPTED, InvoiceState.ON_HOLD, InvoiceState.APPROVED_FOR_PAYMENT, InvoiceState.PAID_PARTLY,
)
AGING_BUCKETS = ("not_due", "1_30", "31_60", "61_90", "90_plus")
_MONEY = DecimalField(max_digits=16, decimal_places=2)


def _marketplace_filter(queryset, marketplace, field="marketplace"):
    if marketplace in (None, ""):
        return queryset
    if hasattr(marketplace, "pk"):
        return queryset.filter(**{field: marketplace})
    text = str(marketplace)
    return queryset.filter(**{f"{field}_id": int(text)}) if text.isdigit() else queryset.filter(**{f"{field}__code": text.upper()})


def _date(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return None


def deduction_queryset(scope):
    return (
        Deduction.objects.visible_to(scope)
        .select_related("marketplace", "vendor", "invoice", "purchase_order", "reverses", "remittance")
        .annotate(reversals_total=Coalesce(Sum("reversals__amount"), Value(ZERO), output_field=_MONEY))
    )


def deduction_list(*, scope, filters: dict | None = None):
    filters = filters or {}
    queryset = deduction_queryset(scope)
    for name in ("kind", "status", "reason", "variance_type"):
        if filters.get(name):
            queryset = queryset.filter(**{name: filters[name]})
    queryset = _marketplace_filter(queryset, filters.get("marketplace"))
    if str(filters.get("invoice") or "").isdigit():
        queryset = queryset.filter(invoice_id=int(filters["invoice"]))
    if filters.get("invoice_number"):
        queryset = queryset.filter(invoice__number=filters["invoice_number"])
    if filters.get("purchase_order"):
        queryset = queryset.filter(purchase_order__number=filters["purchase_order"])
    if str(filters.get("unsettled") or "") in ("1", "true", "True"):
        queryset = queryset.filter(remittance__isnull=True)
    if str(filters.get("disputable") or "") in ("1", "true", "True"):
        queryset = queryset.exclude(kind=DeductionKind.REVERSAL).filter(dispute_deadline__gte=timezone.localdate())
    if _date(filters.get("created_after")):
        queryset = queryset.filter(created_at__date__gte=_date(filters["created_after"]))
    if _date(filters.get("created_before")):
        queryset = queryset.filter(created_at__date__lte=_date(filters["created_before"]))
    if filters.get("vendor") and scope is not None and scope.is_retailer:
        queryset = queryset.filter(vendor__code=str(filters["vendor"]).upper())
    return queryset.order_by("-created_at", "-id")


def deduction_detail(*, scope, deduction_id) -> Deduction | None:
    if not str(deduction_id).isdigit():
        return None
    return deduction_queryset(scope).filter(pk=int(deduction_id)).first()


def dispute_list(*, scope, deduction=None, status=None):
    queryset = Dispute.objects.visible_to(scope).select_related("deduction", "answered_by", "created_by").prefetch_related("evidence")
    if deduction is not None:
        queryset = queryset.filter(deduction=deduction)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at", "-id")


def remittance_list(*, scope, filters: dict | None = None):
    filters = filters or {}
    queryset = Remittance.objects.visible_to(scope).select_related("vendor", "marketplace", "run").prefetch_related("lines")
    queryset = _marketplace_filter(queryset, filters.get("marketplace"))
    if _date(filters.get("pay_date_from")):
        queryset = queryset.filter(pay_date__gte=_date(filters["pay_date_from"]))
    if _date(filters.get("pay_date_to")):
        queryset = queryset.filter(pay_date__lte=_date(filters["pay_date_to"]))
    if scope is not None and scope.is_retailer:
        if str(filters.get("run") or "").isdigit():
            queryset = queryset.filter(run_id=int(filters["run"]))
        if filters.get("vendor"):
            queryset = queryset.filter(vendor__code=str(filters["vendor"]).upper())
    return queryset.order_by("-pay_date", "-id")


def payment_run_list(*, scope):
    return (
        PaymentRun.objects.visible_to(scope)
        .select_related("created_by", "approved_by", "paid_by")
        .prefetch_related("remittances__vendor", "remittances__marketplace")
        .order_by("-pay_date", "-id")
    )


def match_results(*, scope, invoice_id):
    return MatchResult.objects.visible_to(scope).filter(invoice_id=invoice_id).select_related("invoice_line").order_by("invoice_line__sequence")


def _money_rows(rows, *fields):
    for row in rows:
        for name in fields:
            row[name] = (row[name] or ZERO).quantize(Decimal("0.01"))
    return rows


def payment_summary(*, scope, marketplace=None, period_start=None, period_end=None, vendor=None) -> dict:
    """The vendor's finance overview (or the retailer's, over every vendor, optionally one)."""
    today = timezone.localdate()
    period_end = _date(period_end) or today
    period_start = _date(period_start) or (period_end.replace(day=1) - datetime.timedelta(days=335)).replace(day=1)

    def scoped(queryset, field="marketplace", vendor_field="vendor"):
        queryset = _marketplace_filter(queryset.visible_to(scope), marketplace, field)
        if vendor is not None and scope is not None and scope.is_retailer:
            queryset = queryset.filter(**{f"{vendor_field}__code": str(getattr(vendor, "code", vendor)).upper()})
        return queryset

    invoices = scoped(Invoice.objects).filter(invoice_type=InvoiceType.INVOICE)
    open_invoices = _money_rows(list(
        invoices.filter(state__in=OPEN_INVOICE_STATES).values("state", "currency")
        .annotate(count=Count("id"), amount=Sum("grand_total")).order_by("currency", "state")
    ), "amount")

    overdue = {
        "not_due": Q(due_date__gte=today) | Q(due_date__isnull=True),
        "1_30": Q(due_date__lt=today, due_date__gte=today - datetime.timedelta(days=30)),
        "31_60": Q(due_date__lt=today - datetime.timedelta(days=30), due_date__gte=today - datetime.timedelta(days=60)),
        "61_90": Q(due_date__lt=today - datetime.timedelta(days=60), due_date__gte=today - datetime.timedelta(days=90)),
        "90_plus": Q(due_date__lt=today - datetime.timedelta(days=90)),
    }
    aggregates = {}
    for bucket, condition in overdue.items():
        aggregates[f"amount_{bucket}"] = Coalesce(Sum(Case(When(condition, then="grand_total"), output_field=_MONEY)), Value(ZERO), output_field=_MONEY)
        aggregates[f"count_{bucket}"] = Coalesce(Sum(Case(When(condition, then=1), output_field=IntegerField())), 0)
    aging = []
    for row in invoices.filter(state__in=[s for s in OPEN_INVOICE_STATES if s != InvoiceState.PAID_PARTLY]).values("currency").annotate(**aggregates).order_by("currency"):
        for bucket in AGING_BUCKETS:
            aging.append({"currency": row["currency"], "bucket": bucket, "count": row[f"count_{bucket}"], "amount": row[f"amount_{bucket}"]})

    paid = _money_rows(list(
        scoped(Remittance.objects).filter(run__status=PaymentRunStatus.PAID, pay_date__gte=period_start, pay_date__lte=period_end)
        .values("currency").annotate(
            remittances=Count("id"), gross_paid=Sum("gross_paid"), deductions_total=Sum("deductions_total"),
            reversals_total=Sum("reversals_total"), discounts_total=Sum("discounts_total"), net_amount=Sum("net_amount"),
        ).order_by("currency")
    ), "gross_paid", "deductions_total", "reversals_total", "discounts_total", "net_amount")

    deductions = scoped(Deduction.objects)
    by_month = _money_rows(list(
        deductions.filter(created_at__date__gte=period_start, created_at__date__lte=period_end)
        .annotate(month=TruncMonth("created_at")).values("month", "kind", "currency")
        .annotate(count=Count("id"), amount=Sum("amount")).order_by("month", "kind", "currency")
    ), "amount")
    by_kind: dict[tuple, dict] = {}
    for row in by_month:
        row["month"] = row["month"].date() if isinstance(row["month"], datetime.datetime) else row["month"]
        total = by_kind.setdefault((row["kind"], row["currency"]), {"kind": row["kind"], "currency": row["currency"], "count": 0, "amount": ZERO})
        total["count"] += row["count"]
        total["amount"] += row["amount"]

    unsettled = []
    for row in deductions.filter(remittance__isnull=True).values("currency").annotate(
        deductions=Coalesce(Sum("amount", filter=~Q(kind=DeductionKind.REVERSAL)), Value(ZERO), output_field=_MONEY),
        reversals=Coalesce(Sum("amount", filter=Q(kind=DeductionKind.REVERSAL)), Value(ZERO), output_field=_MONEY),
    ).order_by("currency"):
        unsettled.append({**row, "net": row["deductions"] - row["reversals"]})

    open_disputes = _money_rows(list(
        scoped(Dispute.objects, "deduction__marketplace", "vendor").filter(status=DisputeStatus.OPEN)
        .values(currency=Coalesce("deduction__currency", Value(""))).annotate(count=Count("id"), amount=Sum("deduction__amount")).order_by("currency")
    ), "amount")

    week_start = today - datetime.timedelta(days=today.weekday())
    cash: dict[tuple, dict] = {}
    for row in invoices.filter(state=InvoiceState.APPROVED_FOR_PAYMENT).values("due_date", "currency").annotate(count=Count("id"), amount=Sum("grand_total")):
        due = row["due_date"] or today
        week = max(week_start, due - datetime.timedelta(days=due.weekday()))
        entry = cash.setdefault((week, row["currency"]), {"week_start": week, "currency": row["currency"], "count": 0, "amount": ZERO})
        entry["count"] += row["count"]
        entry["amount"] += row["amount"]

    currencies = sorted({r["currency"] for r in [*open_invoices, *paid, *by_month, *unsettled, *open_disputes, *cash.values()] if r["currency"]})
    return {
        "today": today, "period_start": period_start, "period_end": period_end, "currencies": currencies,
        "open_invoices": open_invoices, "aging": aging, "paid": paid,
        "deductions_by_month": by_month, "deductions_by_kind": sorted(by_kind.values(), key=lambda r: (r["currency"], r["kind"])),
        "unsettled_deductions": unsettled, "open_disputes": open_disputes,
        "cash_expected_by_week": sorted(cash.values(), key=lambda r: (r["week_start"], r["currency"])),
    }
