"""Reads of reconciliation for the screens and the API. Every read goes through `visible_to(scope)`.

Stable names:
- `deduction_list(*, scope, filters=None)` — filters: kind, status, reason, variance_type, marketplace
  (code or id), invoice (id), invoice_number, purchase_order (number), unsettled ("1"), disputable
  ("1": open to a dispute today), created_after / created_before (dates), vendor (retailer only, code).
- `deduction_detail(*, scope, deduction_id)` -> Deduction (reversed_amount and remaining_amount say what was given back).
- `dispute_list(*, scope, deduction=None, status=None)`
- `remittance_list(*, scope, filters=None)` — lines prefetched; filters: marketplace, pay_date_from,
  pay_date_to, run (id, retailer), vendor (code, retailer).
- `payment_run_list(*, scope)` — retailer only (vendors get nothing).
- `match_results(*, scope, invoice_id)` — the evidence of one invoice's lines.
- `invoice_match(*, scope, invoice)` — the invoice page's 3-way match panel: results, deductions, totals.
- `payment_run_candidates(*, pay_date, marketplace=None, vendor=None, for_update=False)` — what is open
  for a run, per (vendor id, marketplace id): payable invoices, unsettled deductions and reversals, open
  credit notes. `services.payment_runs.payment_run_create` reads it under lock; the preview without.
- `payment_run_preview(*, scope, pay_date=None, marketplace=None, vendor=None)` — accounts payable's
  dry run: what a run on `pay_date` (default today) would pay each vendor, as `PreviewRemittance` rows
  (invoices due, deductions, reversals, credit notes netted, what carries over, the lines and the net),
  planned by `remittance_plan.plan_remittance` exactly as the run would be. Vendors get nothing.
  Raises DomainValidationError for a pay date a run would refuse.
- `credit_note_open_amounts(*, credit_note_ids)` — {id: total less what paid runs netted}.
- `payment_summary(*, scope, marketplace=None, period_start=None, period_end=None, vendor=None)` — the
  finance overview, a handful of aggregate queries; money is Decimal per currency:
    {"today", "period_start", "period_end", "currencies": [...],
     "open_invoices": [{"state", "currency", "count", "amount"}],
     "aging": [{"currency", "bucket", "count", "amount"}]  (buckets AGING_BUCKETS: not_due, 1_30, 31_60, 61_90, 90_plus
              — days past the due date, of invoices submitted/accepted/on hold/approved for payment),
     "paid": [{"currency", "remittances", "gross_paid", "deductions_total", "reversals_total", "discounts_total",
               "credit_notes_total", "net_amount"}]
              (remittances paid with pay date in the period: the same numbers as the remittances),
     "open_credit_notes": [{"currency", "count", "amount"}]  (credit notes the retailer accepted that payment
              runs have not netted in full: amount is what is left to net, in the next runs),
     "deductions_by_month": [{"month": date (1st), "kind", "currency", "count", "amount"}],
     "deductions_by_kind": [{"kind", "currency", "count", "amount"}]  (the period's totals),
     "unsettled_deductions": [{"currency", "deductions", "reversals", "net"}]  (to be netted in the next run),
     "open_disputes": [{"currency", "count", "amount"}],
     "cash_expected_by_week": [{"week_start": date (Monday), "currency", "count", "amount"}]
              (invoices approved for payment, by the week they fall due; overdue ones in the current week)}
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Case, Count, DecimalField, Exists, F, Func, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from invoicing.models import Invoice, InvoiceState, InvoiceType
from vendor_portal import listing
from vendor_portal.errors import DomainValidationError
from vendor_portal.models import Marketplace
from vendor_portal.money import ZERO, round_money
from vendor_portal.selectors import payment_holds

from .models import (
    Deduction,
    DeductionKind,
    DeductionMonth,
    DeductionStatus,
    Dispute,
    DisputeStatus,
    MatchResult,
    MatchStatus,
    PaymentRun,
    PaymentRunStatus,
    Remittance,
    RemittanceLine,
    RemittanceLineKind,
    marketplace_today,
)
from .remittance_plan import CreditNoteCandidate, RemittancePlan, invoice_payable, pay_date_errors, plan_remittance

OPEN_INVOICE_STATES = (
    InvoiceState.SUBMITTED,
    InvoiceState.ACCEPTED,
    InvoiceState.ON_HOLD,
    InvoiceState.APPROVED_FOR_PAYMENT,
    InvoiceState.PAID_PARTLY,
)
AGING_BUCKETS = ("not_due", "1_30", "31_60", "61_90", "90_plus")
# Credit notes a payment run nets: accepted by the retailer (approved for payment or not), or netted in part.
CREDITABLE_STATES = (InvoiceState.ACCEPTED, InvoiceState.APPROVED_FOR_PAYMENT, InvoiceState.PAID_PARTLY)
# Runs that hold what they took until they are paid or cancelled.
OPEN_RUN_STATES = (PaymentRunStatus.DRAFT, PaymentRunStatus.PENDING_APPROVAL, PaymentRunStatus.APPROVED)
_MONEY = DecimalField(max_digits=16, decimal_places=2)


def _marketplace_filter(queryset, marketplace, field="marketplace"):
    if marketplace in (None, ""):
        return queryset
    if hasattr(marketplace, "pk"):
        return queryset.filter(**{field: marketplace})
    text = str(marketplace)
    return queryset.filter(**{f"{field}_id": int(text)}) if text.isdecimal() else queryset.filter(**{f"{field}__code": text.upper()})


def _date(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return None


def _local_day_start(day: datetime.date) -> datetime.datetime | None:
    """The first instant of `day` in the current time zone (None past the calendar's end): filtering a
    timestamp column between such bounds reads an index range, where `column::date` would cast every row."""
    try:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    except (OverflowError, ValueError):
        return None


def _on_days(field: str, first: datetime.date | None = None, last: datetime.date | None = None) -> Q:
    """`field` (a timestamp) on local days first..last, both included, as a range of instants."""
    condition = Q()
    start = _local_day_start(first) if first is not None else None
    if start is not None:
        condition &= Q(**{f"{field}__gte": start})
    if last is not None:
        try:
            after = _local_day_start(last + datetime.timedelta(days=1))
        except OverflowError:
            after = None
        if after is not None:
            condition &= Q(**{f"{field}__lt": after})
    return condition


def deduction_queryset(scope):
    """What its reversals gave back is the deduction's own column (reversed_amount), never a join over them.
    Each row names its purchase orders (`po_numbers`, a list): its own PO, else the one of the claim it
    reverses, else those on its shipment (a chargeback for a shipment), else its invoice's."""
    from purchase_orders.models import PurchaseOrder
    from shipments.models import ShipmentLine

    # ARRAY(SELECT number ... ORDER BY number): the shipment's POs, each once, without a DISTINCT.
    on_shipment = (
        PurchaseOrder.objects.filter(
            Exists(ShipmentLine.objects.filter(shipment_id=OuterRef(OuterRef("shipment_id")), purchase_order_line__purchase_order_id=OuterRef("pk")))
        )
        .order_by("number")
        .values("number")
    )
    single = Coalesce(F("purchase_order__number"), F("reverses__purchase_order__number"))
    return (
        Deduction.objects.visible_to(scope)
        .select_related("marketplace", "vendor", "invoice", "purchase_order", "reverses", "remittance", "shipment")
        .annotate(
            po_numbers=Case(
                When(
                    Q(purchase_order__isnull=False) | Q(reverses__purchase_order__isnull=False),
                    then=Func(single, function="ARRAY", template="ARRAY[%(expressions)s]"),
                ),
                When(
                    shipment__isnull=False,
                    then=Func(Subquery(on_shipment), template="ARRAY(%(expressions)s)", output_field=ArrayField(models.CharField())),
                ),
                When(
                    invoice__purchase_order__isnull=False,
                    then=Func(F("invoice__purchase_order__number"), function="ARRAY", template="ARRAY[%(expressions)s]"),
                ),
                default=Value([], output_field=ArrayField(models.CharField())),
                output_field=ArrayField(models.CharField()),
            )
        )
    )


def deduction_totals(queryset) -> tuple[list[dict], bool]:
    """Per currency: the count, what the claims took (`claimed`), what reversals gave back (`given_back`) and the
    `net` deducted (a reversal offsets its claim), read under the list's count cap (see listing.capped_totals)."""
    queryset = queryset.annotate(
        claimed=Case(
            When(~Q(kind=DeductionKind.REVERSAL), then=F("amount")), default=Value(ZERO), output_field=DecimalField(max_digits=14, decimal_places=2)
        ),
        given_back=Case(
            When(kind=DeductionKind.REVERSAL, then=F("amount")), default=Value(ZERO), output_field=DecimalField(max_digits=14, decimal_places=2)
        ),
        net=Case(
            When(kind=DeductionKind.REVERSAL, then=-F("amount")), default=F("amount"), output_field=DecimalField(max_digits=14, decimal_places=2)
        ),
    )
    return listing.capped_totals(queryset, by="currency", sums=("claimed", "given_back", "net"))


CLOSING_DAYS = 7  # the dispute window "closes soon" from this many days before its last day


def _window_open(*, closing_within: int | None = None) -> Q:
    """Dispute windows open today (closing within `closing_within` days, the last day included), each counted in its
    marketplace's calendar as its badge is: in the small hours UTC it is still yesterday in the US."""
    within = Q(pk__in=[])
    for marketplace in Marketplace.objects.only("pk", "time_zone"):
        today = marketplace_today(marketplace)
        days = Q(dispute_deadline__gte=today)
        if closing_within is not None:
            days &= Q(dispute_deadline__lte=today + datetime.timedelta(days=closing_within))
        within |= Q(marketplace=marketplace) & days
    return within


def deductions_closing(queryset, *, days: int = CLOSING_DAYS):
    """The deductions still open to dispute whose window closes within `days` days (the last day included)."""
    return (
        queryset.exclude(kind=DeductionKind.REVERSAL)
        .exclude(status__in=[DeductionStatus.DISPUTED, DeductionStatus.REVERSED])
        .filter(_window_open(closing_within=days))
    )


def deduction_list(*, scope, filters: dict | None = None):
    filters = filters or {}
    queryset = deduction_queryset(scope)
    for name in ("kind", "status", "reason", "variance_type"):
        if filters.get(name):
            queryset = queryset.filter(**{name: filters[name]})
    queryset = _marketplace_filter(queryset, filters.get("marketplace"))
    if str(filters.get("invoice") or "").isdecimal():
        queryset = queryset.filter(invoice_id=int(filters["invoice"]))
    if filters.get("invoice_number"):
        queryset = queryset.filter(invoice__number=filters["invoice_number"])
    if filters.get("purchase_order"):
        queryset = queryset.filter(purchase_order__number=filters["purchase_order"])
    if str(filters.get("unsettled") or "") in ("1", "true", "True"):
        queryset = queryset.filter(remittance__isnull=True)
    if str(filters.get("disputable") or "") in ("1", "true", "True"):
        queryset = queryset.exclude(kind=DeductionKind.REVERSAL).filter(_window_open())
    if str(filters.get("closing") or "") in ("1", "true", "True"):
        queryset = deductions_closing(queryset)
    queryset = queryset.filter(_on_days("created_at", _date(filters.get("created_after")), _date(filters.get("created_before"))))
    if filters.get("vendor") and scope is not None and scope.is_retailer:
        queryset = queryset.filter(vendor__code=str(filters["vendor"]).upper())
    return queryset.order_by("-created_at", "-id")


def deduction_detail(*, scope, deduction_id) -> Deduction | None:
    if not str(deduction_id).isdecimal():
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
        if str(filters.get("run") or "").isdecimal():
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


def invoice_match(*, scope, invoice) -> dict | None:
    """The 3-way match of one invoice as its page shows it: each line's result, the deductions raised on it
    (claims and their reversals) and what they come to. None before the invoice was matched. Two queries."""
    results = list(match_results(scope=scope, invoice_id=invoice.pk))
    if not results:
        return None
    deductions = list(Deduction.objects.visible_to(scope).filter(invoice_id=invoice.pk).order_by("created_at", "pk"))
    taken = sum((d.amount for d in deductions if d.kind != DeductionKind.REVERSAL), ZERO)
    given_back = sum((d.amount for d in deductions if d.kind == DeductionKind.REVERSAL), ZERO)
    by_status: dict[str, int] = defaultdict(int)
    for result in results:
        by_status[result.status] += 1
    return {
        "results": results,
        "deductions": deductions,
        "currency": invoice.currency,
        "taken": taken,
        "given_back": given_back,
        "net": taken - given_back,
        "computed_at": max(result.computed_at for result in results),
        "waiting": by_status.get(MatchStatus.PENDING_RECEIPT, 0),
        "over": by_status.get(MatchStatus.OVER_TOLERANCE, 0),
        "claims_on_acceptance": invoice.state == InvoiceState.SUBMITTED,  # claims are raised once AP accepts it
    }


def _money_rows(rows, *fields):
    for row in rows:
        for name in fields:
            row[name] = round_money(row[name] or ZERO)
    return rows


def _days_overdue() -> Func:
    """An invoice's days past its due date, counted in its own marketplace's calendar (an invoice due today in
    New York is not overdue yet while it is already tomorrow in UTC): the marketplace's date now, in SQL, minus
    the due date. In the query itself, so the summary costs no query per marketplace."""
    now = Value(timezone.now(), output_field=models.DateTimeField())
    local_today = Func(Func(F("marketplace__time_zone"), now, function="timezone"), template="(%(expressions)s)::date")
    return Func(local_today, F("due_date"), template="(%(expressions)s)", arg_joiner=" - ", output_field=IntegerField())


def _aging_conditions() -> dict[str, Q]:
    """Each aging bucket's condition on open invoices annotated with `days_overdue`."""
    return {
        "not_due": Q(due_date__isnull=True) | Q(days_overdue__lte=0),
        "1_30": Q(days_overdue__gte=1, days_overdue__lte=30),
        "31_60": Q(days_overdue__gte=31, days_overdue__lte=60),
        "61_90": Q(days_overdue__gte=61, days_overdue__lte=90),
        "90_plus": Q(days_overdue__gt=90),
    }


def payment_summary(*, scope, marketplace=None, period_start=None, period_end=None, vendor=None) -> dict:
    """The vendor's finance overview (or the retailer's, over every vendor, optionally one). "Today" is the
    chosen marketplace's date, or the retailer's own (`TIME_ZONE`) over every marketplace."""
    chosen = None
    if hasattr(marketplace, "pk"):
        chosen = marketplace
    elif marketplace not in (None, ""):
        text = str(marketplace)
        chosen = Marketplace.objects.filter(**({"pk": int(text)} if text.isdecimal() else {"code": text.upper()})).first()
    today = marketplace_today(chosen) if chosen else timezone.localdate()
    period_end = _date(period_end) or today
    try:
        period_start = _date(period_start) or (period_end.replace(day=1) - datetime.timedelta(days=335)).replace(day=1)
    except OverflowError:  # a period ending in year 1
        period_start = datetime.date.min

    def scoped(queryset, field="marketplace", vendor_field="vendor"):
        queryset = _marketplace_filter(queryset.visible_to(scope), marketplace, field)
        if vendor is not None and scope is not None and scope.is_retailer:
            queryset = queryset.filter(**{f"{vendor_field}__code": str(getattr(vendor, "code", vendor)).upper()})
        return queryset

    invoices = scoped(Invoice.objects).filter(invoice_type=InvoiceType.INVOICE)
    open_invoices = _money_rows(
        list(
            invoices.filter(state__in=OPEN_INVOICE_STATES)
            .values("state", "currency")
            .annotate(count=Count("id"), amount=Sum("grand_total"))
            .order_by("currency", "state")
        ),
        "amount",
    )

    aggregates = {}
    for bucket, condition in _aging_conditions().items():
        aggregates[f"amount_{bucket}"] = Coalesce(
            Sum(Case(When(condition, then="grand_total"), default=Value(ZERO), output_field=_MONEY)), Value(ZERO), output_field=_MONEY
        )
        aggregates[f"count_{bucket}"] = Coalesce(Sum(Case(When(condition, then=1), default=Value(0), output_field=IntegerField())), 0)
    aging = []
    for row in (
        invoices.filter(state__in=[s for s in OPEN_INVOICE_STATES if s != InvoiceState.PAID_PARTLY])
        .annotate(days_overdue=_days_overdue())
        .values("currency")
        .annotate(**aggregates)
        .order_by("currency")
    ):
        for bucket in AGING_BUCKETS:
            aging.append({"currency": row["currency"], "bucket": bucket, "count": row[f"count_{bucket}"], "amount": row[f"amount_{bucket}"]})

    paid = _money_rows(
        list(
            scoped(Remittance.objects)
            .filter(run__status=PaymentRunStatus.PAID, pay_date__gte=period_start, pay_date__lte=period_end)
            .values("currency")
            .annotate(
                remittances=Count("id"),
                gross_paid=Sum("gross_paid"),
                deductions_total=Sum("deductions_total"),
                reversals_total=Sum("reversals_total"),
                discounts_total=Sum("discounts_total"),
                credit_notes_total=Sum("credit_notes_total"),
                net_amount=Sum("net_amount"),
            )
            .order_by("currency")
        ),
        "gross_paid",
        "deductions_total",
        "reversals_total",
        "discounts_total",
        "credit_notes_total",
        "net_amount",
    )

    open_credit_notes = _money_rows(
        list(
            scoped(Invoice.objects)
            .filter(invoice_type=InvoiceType.CREDIT_NOTE, state__in=CREDITABLE_STATES)
            .annotate(open_amount=F("grand_total") + Coalesce(Subquery(_credit_netted_in_paid_runs()), Value(ZERO), output_field=_MONEY))
            .filter(open_amount__gt=0)
            .values("currency")
            .annotate(count=Count("id"), amount=Sum("open_amount"))
            .order_by("currency")
        ),
        "amount",
    )

    deductions = scoped(Deduction.objects)
    by_month = _money_rows(_deductions_by_month(scoped, period_start, period_end), "amount")
    by_kind: dict[tuple, dict] = {}
    for row in by_month:
        total = by_kind.setdefault((row["kind"], row["currency"]), {"kind": row["kind"], "currency": row["currency"], "count": 0, "amount": ZERO})
        total["count"] += row["count"]
        total["amount"] += row["amount"]

    unsettled = []
    for row in (
        deductions.filter(remittance__isnull=True)
        .values("currency")
        .annotate(
            deductions=Coalesce(Sum("amount", filter=~Q(kind=DeductionKind.REVERSAL)), Value(ZERO), output_field=_MONEY),
            reversals=Coalesce(Sum("amount", filter=Q(kind=DeductionKind.REVERSAL)), Value(ZERO), output_field=_MONEY),
        )
        .order_by("currency")
    ):
        unsettled.append({**row, "net": row["deductions"] - row["reversals"]})

    open_disputes = _money_rows(
        list(
            scoped(Dispute.objects, "deduction__marketplace", "vendor")
            .filter(status=DisputeStatus.OPEN)
            .values(currency=Coalesce("deduction__currency", Value("")))
            .annotate(count=Count("id"), amount=Sum("deduction__amount"))
            .order_by("currency")
        ),
        "amount",
    )

    week_start = today - datetime.timedelta(days=today.weekday())
    cash: dict[tuple, dict] = {}
    for row in (
        invoices.filter(state=InvoiceState.APPROVED_FOR_PAYMENT).values("due_date", "currency").annotate(count=Count("id"), amount=Sum("grand_total"))
    ):
        due = row["due_date"] or today
        week = max(week_start, due - datetime.timedelta(days=due.weekday()))
        entry = cash.setdefault((week, row["currency"]), {"week_start": week, "currency": row["currency"], "count": 0, "amount": ZERO})
        entry["count"] += row["count"]
        entry["amount"] += row["amount"]

    currencies = sorted(
        {r["currency"] for r in [*open_invoices, *paid, *by_month, *unsettled, *open_disputes, *cash.values(), *open_credit_notes] if r["currency"]}
    )
    return {
        "today": today,
        "period_start": period_start,
        "period_end": period_end,
        "currencies": currencies,
        "open_invoices": open_invoices,
        "aging": aging,
        "paid": paid,
        "open_credit_notes": open_credit_notes,
        "deductions_by_month": by_month,
        "deductions_by_kind": sorted(by_kind.values(), key=lambda r: (r["currency"], r["kind"])),
        "unsettled_deductions": unsettled,
        "open_disputes": open_disputes,
        "cash_expected_by_week": sorted(cash.values(), key=lambda r: (r["week_start"], r["currency"])),
    }


def _deductions_by_month(scoped, period_start: datetime.date, period_end: datetime.date) -> list[dict]:
    """[{"month" (its 1st), "kind", "currency", "count", "amount"}] of the deductions raised on the period's days.

    The period's whole months are the DeductionMonth rows (a few per month, whatever the volume) when months are
    UTC months, as the portal's are; the days outside whole months (this month so far, a period starting mid-month,
    any other time zone) are read from the deductions themselves as created_at ranges, by index."""
    whole = _whole_months(period_start, period_end) if timezone.get_current_timezone_name() == "UTC" else None
    totals: dict[tuple, dict] = {}

    def add(rows):
        for row in rows:
            month = row["month"].date() if isinstance(row["month"], datetime.datetime) else row["month"]
            total = totals.setdefault((month, row["kind"], row["currency"]), {"month": month, "kind": row["kind"], "currency": row["currency"]})
            total["count"] = total.get("count", 0) + row["rows"]
            total["amount"] = total.get("amount", ZERO) + (row["total"] or ZERO)

    if whole is None:
        outside = _on_days("created_at", period_start, period_end)
    else:
        first, last = whole
        add(
            scoped(DeductionMonth.objects)
            .filter(month__gte=first, month__lte=last)
            .values("month", "kind", "currency")
            .annotate(rows=Sum("count"), total=Sum("amount"))
            .order_by()
        )
        outside = Q(pk__in=[])
        if period_start < first:
            outside |= _on_days("created_at", period_start, first - datetime.timedelta(days=1))
        if period_end > _month_end(last):
            outside |= _on_days("created_at", _month_end(last) + datetime.timedelta(days=1), period_end)
    add(
        scoped(Deduction.objects)
        .filter(outside)
        .annotate(month=TruncMonth("created_at"))
        .values("month", "kind", "currency")
        .annotate(rows=Count("id"), total=Sum("amount"))
        .order_by()
    )
    return sorted((row for row in totals.values() if row["count"]), key=lambda r: (r["month"], r["kind"], r["currency"]))


def _whole_months(start: datetime.date, end: datetime.date) -> tuple[datetime.date, datetime.date] | None:
    """(first, last) month (1st days) lying wholly within start..end, or None."""
    try:
        first = start if start.day == 1 else _month_end(start) + datetime.timedelta(days=1)
        last = end.replace(day=1) if end == _month_end(end) else (end.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    except OverflowError:
        return None
    return (first, last) if first <= last else None


def _month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


# Payment runs: candidates and the preview ---------------------------------------------------------
def reserved_invoice_ids():
    """Invoices a run (not cancelled) already pays: never taken twice."""
    return (
        RemittanceLine.objects.filter(kind=RemittanceLineKind.INVOICE_PAID, invoice__isnull=False)
        .exclude(remittance__run__status=PaymentRunStatus.CANCELLED)
        .values("invoice_id")
    )


def reserved_credit_note_ids():
    """Credit notes an unpaid run is netting: the next run waits for it to be paid or cancelled."""
    return RemittanceLine.objects.filter(kind=RemittanceLineKind.CREDIT_NOTE, remittance__run__status__in=OPEN_RUN_STATES).values("invoice_id")


def _credit_netted_in_paid_runs():
    """Per credit note (OuterRef "pk"): the sum of its lines in paid runs (negative: money taken)."""
    return (
        RemittanceLine.objects.filter(kind=RemittanceLineKind.CREDIT_NOTE, invoice=OuterRef("pk"), remittance__run__status=PaymentRunStatus.PAID)
        .values("invoice")
        .annotate(total=Sum("amount"))
        .values("total")
    )


def credit_note_open_amounts(*, credit_notes) -> dict[int, Decimal]:
    """{credit note id: its total less what paid runs netted}."""
    credit_notes = list(credit_notes)
    netted = dict(
        RemittanceLine.objects.filter(
            kind=RemittanceLineKind.CREDIT_NOTE, invoice_id__in=[c.pk for c in credit_notes], remittance__run__status=PaymentRunStatus.PAID
        )
        .values("invoice_id")
        .annotate(total=Sum("amount"))
        .values_list("invoice_id", "total")
    )
    return {c.pk: c.grand_total + (netted.get(c.pk) or ZERO) for c in credit_notes}  # netted lines are negative


def payment_run_candidates(*, scope, pay_date: datetime.date, marketplace=None, vendor=None, for_update: bool = False) -> dict[tuple, dict]:
    """What a run on `pay_date` may take, per (vendor id, marketplace id): {"vendor", "marketplace",
    "invoices" (payable, due date order), "deductions" (unsettled, oldest first), "credit_notes"
    ([CreditNoteCandidate], oldest first)}. With `for_update` the rows are locked."""

    def rows(queryset):
        queryset = _marketplace_filter(queryset.visible_to(scope), marketplace)
        if vendor not in (None, ""):
            queryset = queryset.filter(vendor__code=str(getattr(vendor, "code", vendor)).upper())
        return queryset.select_for_update(of=("self",)) if for_update else queryset

    invoices = (
        rows(Invoice.objects.select_related("vendor", "marketplace"))
        .filter(invoice_type=InvoiceType.INVOICE, state=InvoiceState.APPROVED_FOR_PAYMENT)
        .exclude(pk__in=reserved_invoice_ids())
    )
    deductions = rows(Deduction.objects.select_related("vendor", "marketplace", "reverses")).filter(remittance__isnull=True)
    credit_notes = list(
        rows(Invoice.objects.select_related("vendor", "marketplace", "reference_invoice"))
        .filter(invoice_type=InvoiceType.CREDIT_NOTE, state__in=CREDITABLE_STATES, currency=F("marketplace__currency"))
        .exclude(reference_invoice__state=InvoiceState.REJECTED)
        .exclude(pk__in=reserved_credit_note_ids())
        .order_by("invoice_date", "pk")
    )
    groups: dict[tuple, dict] = {}

    def group(obj) -> dict:
        return groups.setdefault(
            (obj.vendor_id, obj.marketplace_id),
            {"vendor": obj.vendor, "marketplace": obj.marketplace, "invoices": [], "deductions": [], "credit_notes": []},
        )

    for invoice in invoices.order_by("due_date", "pk"):
        if invoice_payable(invoice, pay_date):
            group(invoice)["invoices"].append(invoice)
    for deduction in deductions.order_by("created_at", "pk"):
        group(deduction)["deductions"].append(deduction)
    open_amounts = credit_note_open_amounts(credit_notes=credit_notes)
    for credit_note in credit_notes:
        if open_amounts[credit_note.pk] > 0:
            group(credit_note)["credit_notes"].append(CreditNoteCandidate(credit_note=credit_note, open_amount=open_amounts[credit_note.pk]))
    return groups


def _preview_row(candidates: dict, plan: RemittancePlan) -> dict:
    discounts: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for line in plan.lines:
        if line["kind"] == RemittanceLineKind.DISCOUNT:
            discounts[line["invoice"].pk] -= line["amount"]

    def deduction_row(deduction) -> dict:
        return {
            "deduction": deduction,
            "id": deduction.pk,
            "reference": deduction.reference,
            "kind": deduction.kind,
            "reason": deduction.reason,
            "description": deduction.description,
            "amount": deduction.amount,
            "reverses_reference": deduction.reverses.reference if deduction.reverses_id else None,
        }

    return {
        "vendor": candidates["vendor"],
        "marketplace": candidates["marketplace"],
        "currency": candidates["marketplace"].currency,
        "invoices": [
            {
                "invoice": invoice,
                "id": invoice.pk,
                "number": invoice.number,
                "invoice_date": invoice.invoice_date,
                "due_date": invoice.due_date,
                "amount": invoice.grand_total,
                "discount": discounts[invoice.pk],
            }
            for invoice in plan.invoices
        ],
        "deductions": [deduction_row(d) for d in plan.taken if d.kind != DeductionKind.REVERSAL],
        "reversals": [deduction_row(d) for d in plan.taken if d.kind == DeductionKind.REVERSAL],
        "credit_notes": [
            {
                "credit_note": c.credit_note,
                "id": c.credit_note.pk,
                "number": c.credit_note.number,
                "invoice_date": c.credit_note.invoice_date,
                "credited_invoice": c.credit_note.reference_invoice.number if c.credit_note.reference_invoice_id else None,
                "open_amount": c.open_amount,
                "applied_amount": c.applied,
                "carried_forward": c.carried_forward,
            }
            for c in plan.credits
        ],
        "carried_over": [deduction_row(d) for d in plan.carried_over],
        "gross_paid": plan.gross_paid,
        "deductions_total": plan.deductions_total,
        "reversals_total": plan.reversals_total,
        "discounts_total": plan.discounts_total,
        "credit_notes_total": plan.credit_notes_total,
        "net_amount": plan.net_amount,
        "credit_carried_forward": plan.credit_carried_forward,
        "lines": [
            {
                "sequence": index,
                "kind": line["kind"],
                "kind_label": RemittanceLineKind(line["kind"]).label,
                "reference": line["reference"][:60],
                "description": line["description"],
                "amount": line["amount"],
                "invoice_id": line["invoice"].pk if line.get("invoice") else None,
                "deduction_id": line["deduction"].pk if line.get("deduction") else None,
            }
            for index, line in enumerate(plan.lines, start=1)
        ],
    }


def held_row(candidates: dict, plan: RemittancePlan, held_until) -> dict:
    """A remittance a run does not pay yet: the vendor's bank details changed within the hold."""
    return {
        "vendor": candidates["vendor"],
        "marketplace": candidates["marketplace"],
        "currency": candidates["marketplace"].currency,
        "net_amount": plan.net_amount,
        "reason": "new_bank_details",
        "held_until": held_until,
    }


PREVIEW_TOTALS = ("gross_paid", "deductions_total", "reversals_total", "discounts_total", "credit_notes_total", "net_amount")


def payment_run_preview(*, scope, pay_date: datetime.date | None = None, marketplace=None, vendor=None) -> dict:
    """What a payment run on `pay_date` would pay, without creating it (nothing locked, nothing saved):
    {"pay_date", "remittances": [one row per vendor and marketplace, as `_preview_row`],
     "totals": [{"currency", "remittances", "gross_paid", ..., "net_amount"}],
     "held": [remittances not paid yet, as `held_row`: the vendor's bank details changed within the hold]}.
    A vendor's scope gets nothing."""
    today = timezone.localdate()
    pay_date = today if pay_date is None else pay_date
    errors = pay_date_errors(pay_date, today)
    if errors:
        raise DomainValidationError(errors[0].message, errors=errors)
    preview = {"pay_date": pay_date, "remittances": [], "totals": [], "held": []}
    if scope is None or not scope.is_retailer:
        return preview
    groups = payment_run_candidates(scope=scope, pay_date=pay_date, marketplace=marketplace, vendor=vendor)
    holds = payment_holds(vendor_ids={vendor_id for vendor_id, _marketplace_id in groups})
    totals: dict[str, dict] = {}
    for candidates in sorted(groups.values(), key=lambda g: (g["vendor"].code, g["marketplace"].code)):
        plan = plan_remittance(
            invoices=candidates["invoices"], deductions=candidates["deductions"], credit_notes=candidates["credit_notes"], pay_date=pay_date
        )
        if not plan.lines:
            continue
        if candidates["vendor"].pk in holds:
            preview["held"].append(held_row(candidates, plan, holds[candidates["vendor"].pk]))
            continue
        row = _preview_row(candidates, plan)
        preview["remittances"].append(row)
        total = totals.setdefault(row["currency"], {"currency": row["currency"], "remittances": 0, **{name: ZERO for name in PREVIEW_TOTALS}})
        total["remittances"] += 1
        for name in PREVIEW_TOTALS:
            total[name] += row[name]
    preview["totals"] = [totals[currency] for currency in sorted(totals)]
    return preview
