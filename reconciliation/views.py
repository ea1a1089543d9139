"""Payment screens: vendor finance's summary, deductions, disputes and remittances; accounts payable's
dispute queue, payment runs and match trigger. Reads come from reconciliation.selectors, every write
calls reconciliation.services; exports are reconciliation.exports."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from invoicing.models import CREDIT_COUNTED_STATES, Invoice, InvoiceState, InvoiceType
from vendor_portal import listing
from vendor_portal.audit_text import labelled_values, money
from vendor_portal.confirmation import confirm_first
from vendor_portal.decorators import fresh_second_factor, portal_view
from vendor_portal.document_access import job_readable_or_404
from vendor_portal.downloads import DocumentFileMissing, document_response
from vendor_portal.errors import PortalError
from vendor_portal.export_views import export_csv, export_job_start
from vendor_portal.models import Job, JobStatus, Marketplace
from vendor_portal.money import ZERO
from vendor_portal.roles import Action
from vendor_portal.selectors import payment_holds
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import get_visible_or_404

from . import exports, selectors
from .evidence import deduction_evidence
from .forms import (
    DeductionFilterForm,
    DisputeAnswerForm,
    DisputeFileForm,
    DisputeForm,
    EvidenceUploadForm,
    PaymentRunForm,
    RemittanceFilterForm,
    RunDecisionForm,
    SummaryFilterForm,
)
from .models import (
    Deduction,
    DeductionKind,
    DeductionStatus,
    Dispute,
    DisputeStatus,
    MatchResult,
    PaymentRun,
    PaymentRunStatus,
    Remittance,
    RemittanceLineKind,
    marketplace_today,
)
from .services.deductions import match_run
from .services.dispute_packets import (
    PACKET_JOB_KIND,
    deduction_attachments_add,
    dispute_file,
    dispute_packet_for,
    dispute_packet_job_latest,
    dispute_packet_request,
)
from .services.disputes import dispute_answer, dispute_create, dispute_deadline
from .services.payment_runs import payment_run_cancel, payment_run_create, payment_run_decide, payment_run_pay
from .services.remittance_advice import remittance_document

PAGE_SIZE = 50
AGING_LABELS = {
    "not_due": gettext_lazy("Not yet due"),
    "1_30": gettext_lazy("1–30 days late"),
    "31_60": gettext_lazy("31–60 days late"),
    "61_90": gettext_lazy("61–90 days late"),
    "90_plus": gettext_lazy("Over 90 days late"),
}
AGING_AXIS = {"not_due": gettext_lazy("Not due"), "1_30": "1–30", "31_60": "31–60", "61_90": "61–90", "90_plus": "90+"}
PAST_DUE_BUCKETS = ("1_30", "31_60", "61_90", "90_plus")
# Chart colours per deduction kind: claims warm, chargebacks red, co-op neutral, reversals green.
KIND_COLOURS = {
    DeductionKind.SHORTAGE_CLAIM: "#d9822b",
    DeductionKind.PRICE_CLAIM: "#e8b84a",
    DeductionKind.CHARGEBACK: "#b3261e",
    DeductionKind.COOP_ALLOWANCE: "#7a8aa6",
    DeductionKind.REVERSAL: "#1f7a4d",
}
INVOICE_STATE_ORDER = list(selectors.OPEN_INVOICE_STATES)


def _form_errors(form, error: PortalError) -> None:
    """Put a service's errors next to the fields they name; a problem with one of the files (it names the
    file by its position) goes next to the evidence field."""
    for item in error.field_errors():
        field = "evidence" if item.ref is not None else item.field
        form.add_error(field if field in form.fields else None, item.message)


def _money_sum(rows, field="amount") -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        totals[row["currency"]] += row[field] or ZERO
    return dict(sorted(totals.items()))


# Payment summary -----------------------------------------------------------------------------------
def _summary_for(request):
    form = SummaryFilterForm(request.GET or None, scope=request.scope)
    filters = form.filters()
    summary = selectors.payment_summary(
        scope=request.scope,
        marketplace=filters.get("marketplace"),
        period_start=filters.get("period_start"),
        period_end=filters.get("period_end"),
        vendor=filters.get("vendor"),
    )
    return form, summary


def _month_range(start: datetime.date, end: datetime.date, limit: int = 36) -> list[datetime.date]:
    months, month = [], start.replace(day=1)
    while month <= end and len(months) < limit:
        months.append(month)
        if month.year == datetime.MAXYEAR and month.month == 12:
            break
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _chart_data(summary: dict, currency: str) -> dict:
    """What payment_summary.js draws for one currency (amounts as decimal strings, never floats)."""
    aging = {row["bucket"]: row for row in summary["aging"] if row["currency"] == currency}
    weeks = [row for row in summary["cash_expected_by_week"] if row["currency"] == currency]
    months = _month_range(summary["period_start"], summary["period_end"])
    by_month = defaultdict(dict)
    for row in summary["deductions_by_month"]:
        if row["currency"] == currency:
            by_month[row["kind"]][row["month"]] = row["amount"]
    datasets = [
        {"label": str(kind.label), "colour": KIND_COLOURS[kind], "data": [str(by_month[kind].get(m, ZERO)) for m in months]}
        for kind in DeductionKind
        if kind in by_month
    ]
    return {
        "currency": currency,
        "aging": {
            "labels": [str(AGING_AXIS[b]) for b in selectors.AGING_BUCKETS],
            "axis": _("days past the due date"),
            "data": [str(aging[b]["amount"]) if b in aging else "0.00" for b in selectors.AGING_BUCKETS],
            "late": [b in PAST_DUE_BUCKETS for b in selectors.AGING_BUCKETS],
        },
        "cash": {"labels": [row["week_start"].isoformat() for row in weeks], "data": [str(row["amount"]) for row in weeks]},
        "deductions": {"labels": [m.strftime("%Y-%m") for m in months], "datasets": datasets},
    }


def _summary_context(summary: dict, chart_currency: str | None) -> dict:
    currencies = summary["currencies"]
    open_by_currency = defaultdict(list)
    for row in summary["open_invoices"]:
        open_by_currency[row["currency"]].append({**row, "label": InvoiceState(row["state"]).label})
    for rows in open_by_currency.values():
        rows.sort(key=lambda r: INVOICE_STATE_ORDER.index(r["state"]) if r["state"] in INVOICE_STATE_ORDER else 99)
    past_due = [row for row in summary["aging"] if row["bucket"] in PAST_DUE_BUCKETS]
    taken = [row for row in summary["deductions_by_kind"] if row["kind"] != DeductionKind.REVERSAL]
    given_back = [row for row in summary["deductions_by_kind"] if row["kind"] == DeductionKind.REVERSAL]
    tiles = []
    for currency in currencies:
        open_rows = open_by_currency.get(currency, [])
        tiles.append(
            {
                "currency": currency,
                "open_count": sum(r["count"] for r in open_rows),
                "open_amount": sum((r["amount"] for r in open_rows), ZERO),
                "open_by_state": open_rows,
                "due_now": _money_sum(past_due).get(currency, ZERO),
                "due_now_count": sum(r["count"] for r in past_due if r["currency"] == currency),
                "paid": next((r for r in summary["paid"] if r["currency"] == currency), None),
                "deductions": _money_sum(taken).get(currency, ZERO),
                "deductions_count": sum(r["count"] for r in taken if r["currency"] == currency),
                "reversals": _money_sum(given_back).get(currency, ZERO),
                "disputes": next((r for r in summary["open_disputes"] if r["currency"] == currency), None),
                "unsettled": next((r for r in summary["unsettled_deductions"] if r["currency"] == currency), None),
                "open_credit": next((r for r in summary["open_credit_notes"] if r["currency"] == currency), None),
            }
        )
    chart_currency = chart_currency if chart_currency in currencies else (currencies[0] if currencies else "")
    aging_rows = [{**row, "label": AGING_LABELS[row["bucket"]], "late": row["bucket"] in PAST_DUE_BUCKETS} for row in summary["aging"]]
    months = defaultdict(dict)
    for row in summary["deductions_by_month"]:
        months[(row["month"], row["currency"])][row["kind"]] = row["amount"]
    kinds = [kind for kind in DeductionKind if any(kind in by_kind for by_kind in months.values())]
    deduction_rows = [
        {
            "month": month,
            "currency": currency,
            "amounts": [by_kind.get(kind) for kind in kinds],
            "total": sum((v for k, v in by_kind.items() if k != DeductionKind.REVERSAL), ZERO),
        }
        for (month, currency), by_kind in sorted(months.items())
    ]
    return {
        "summary": summary,
        "tiles": tiles,
        "chart_currency": chart_currency,
        "aging_rows": aging_rows,
        "deduction_kinds": [kind.label for kind in kinds],
        "deduction_rows": deduction_rows,
        "chart_data": _chart_data(summary, chart_currency) if chart_currency else None,
    }


@portal_view(Action.VIEW_PAYMENTS)
def payment_summary_view(request):
    form, summary = _summary_for(request)
    context = _summary_context(summary, request.GET.get("currency"))
    context["form"] = form
    context["query"] = request.GET.urlencode()
    return render(request, "reconciliation/payment_summary.html", context)


@portal_view(Action.VIEW_PAYMENTS)
def payment_summary_csv(request):
    _form, summary = _summary_for(request)
    return exports.payment_summary_csv(summary, f"payment-summary-{summary['period_start']}-{summary['period_end']}")


@portal_view(Action.VIEW_PAYMENTS)
def payment_summary_xlsx(request):
    _form, summary = _summary_for(request)
    return exports.payment_summary_xlsx(summary, f"payment-summary-{summary['period_start']}-{summary['period_end']}")


def _export_query(request) -> str:
    """The list's filters for its export links (not its page)."""
    query = request.GET.copy()
    query.pop("cursor", None)
    return query.urlencode()


# Deductions ----------------------------------------------------------------------------------------
def _deductions_for(request):
    form = DeductionFilterForm(request.GET or None, scope=request.scope)
    return form, selectors.deduction_list(scope=request.scope, filters=form.filters())


@portal_view(Action.VIEW_PAYMENTS)
def deduction_list_view(request):
    form, deductions = _deductions_for(request)
    # Totals per currency while the list is under the count cap; above it, "10,000+" and no partial sums.
    totals, capped = selectors.deduction_totals(deductions)
    page = listing.keyset_page(deductions, request.GET, page_size=PAGE_SIZE)
    return render(
        request,
        "reconciliation/deduction_list.html",
        {
            "form": form,
            "page": page,
            "totals": [] if capped else totals,
            "capped_count": listing.count_label(listing.COUNT_CAP, capped=True) if capped else None,
            "query": _export_query(request),
        },
    )


@portal_view(Action.VIEW_PAYMENTS)
def deduction_export_csv(request):
    return export_csv(request, exports.DEDUCTIONS)


@portal_view(Action.VIEW_PAYMENTS)
def deduction_export_xlsx(request):
    return export_job_start(request, exports.DEDUCTIONS, "xlsx")


def _dispute_standing(deduction: Deduction, disputes: list[Dispute]) -> dict:
    """What the detail page says about disputing (the service decides; this only explains it up front)."""
    from .engine import dispute_windows, window_for

    days, max_disputes = window_for(dispute_windows(), deduction.marketplace_id, deduction.kind)
    today = marketplace_today(deduction.marketplace)
    deadline = dispute_deadline(deduction, days)
    standing = {"deadline": deadline, "days_left": (deadline - today).days, "max": max_disputes, "used": len(disputes), "blocked": ""}
    if deduction.kind == DeductionKind.REVERSAL:
        standing["blocked"] = _("A reversal gives money back: there is nothing to dispute.")
    elif today > deadline:
        standing["blocked"] = _("The dispute window closed on %(date)s.") % {"date": date_format(deadline, "DATE_FORMAT")}
    elif any(d.status == DisputeStatus.OPEN for d in disputes):
        standing["blocked"] = _("Your dispute is with the retailer; you will hear when it is answered.")
    elif len(disputes) >= max_disputes:
        standing["blocked"] = _("Disputed %(n)s times, the most allowed.") % {"n": len(disputes)}
    elif deduction.status == DeductionStatus.REVERSED:
        standing["blocked"] = _("Already reversed in full.")
    return standing


def _deduction_context(request, deduction: Deduction, form=None, upload_form=None, file_form=None) -> dict:
    disputes = list(selectors.dispute_list(scope=request.scope, deduction=deduction).order_by("number"))
    match = (
        MatchResult.objects.visible_to(request.scope).select_related("invoice_line").filter(invoice_line_id=deduction.invoice_line_id).first()
        if deduction.invoice_line_id
        else None
    )
    scope = request.scope
    can_dispute = not scope.is_retailer and scope.can(Action.DISPUTE_DEDUCTIONS)
    # The credit notes the match netted on this line (what a `credited` reversal gave back for).
    credit_notes = (
        list(
            Invoice.objects.visible_to(scope)
            .filter(
                invoice_type=InvoiceType.CREDIT_NOTE,
                state__in=CREDIT_COUNTED_STATES,
                lines__credited_line_id=deduction.invoice_line_id,
            )
            .distinct()
            .order_by("pk")
        )
        if deduction.invoice_line_id
        else []
    )
    standing = _dispute_standing(deduction, disputes)
    may_dispute = can_dispute and not standing["blocked"]
    packet_job = dispute_packet_job_latest(deduction=deduction) if may_dispute else None
    return {
        "evidence_items": deduction_evidence(deduction=deduction),
        "may_dispute": may_dispute,
        "packet": dispute_packet_for(deduction=deduction, number=len(disputes) + 1) if may_dispute else None,
        "packet_job": packet_job,
        "upload_form": upload_form or EvidenceUploadForm(),
        "file_form": file_form or DisputeFileForm(),
        "deduction": deduction,
        "match": match,
        "disputes": disputes,
        "credit_notes": credit_notes,
        "reversals": list(deduction.reversals.order_by("created_at", "pk")),
        "standing": standing,
        "can_dispute": can_dispute,
        "form": form or (DisputeForm() if can_dispute else None),
        "remaining": deduction.remaining_amount,
        "evidence_rows": labelled_values(deduction.evidence),
    }


def _get_deduction(request, pk) -> Deduction:
    deduction = selectors.deduction_detail(scope=request.scope, deduction_id=pk)
    if deduction is None:
        raise Http404
    return deduction


@portal_view(Action.VIEW_PAYMENTS)
def deduction_detail_view(request, pk):
    deduction = _get_deduction(request, pk)
    return render(request, "reconciliation/deduction_detail.html", _deduction_context(request, deduction))


@portal_view(Action.DISPUTE_DEDUCTIONS)
@require_POST
def deduction_dispute_view(request, pk):
    deduction = _get_deduction(request, pk)
    form = DisputeForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            dispute = dispute_create(
                scope=request.scope,
                deduction_id=deduction.pk,
                reason=form.cleaned_data["reason"],
                files=form.cleaned_data["evidence"],
                actor=Actor.from_request(request),
            )
        except PortalError as error:
            _form_errors(form, error)
            messages.error(request, error.message)
        else:
            messages.success(request, _("Dispute %(n)s of %(ref)s sent to the retailer.") % {"n": dispute.number, "ref": deduction.reference})
            return redirect("deduction_detail", pk=deduction.pk)
    deduction = _get_deduction(request, pk)
    return render(request, "reconciliation/deduction_detail.html", _deduction_context(request, deduction, form), status=400)


@portal_view(Action.DISPUTE_DEDUCTIONS)
@require_POST
def deduction_attach_view(request, pk):
    """The vendor's own evidence files join the deduction's evidence (and its next packet)."""
    deduction = _get_deduction(request, pk)
    form = EvidenceUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            added = deduction_attachments_add(
                scope=request.scope, deduction_id=deduction.pk, files=form.cleaned_data["evidence"], actor=Actor.from_request(request)
            )
        except PortalError as error:
            _form_errors(form, error)
            messages.error(request, error.message)
        else:
            messages.success(
                request, ngettext("%(n)s file added to the evidence.", "%(n)s files added to the evidence.", len(added)) % {"n": len(added)}
            )
            return redirect(f"{reverse('deduction_detail', args=[deduction.pk])}#evidence-title")
    return render(request, "reconciliation/deduction_detail.html", _deduction_context(request, deduction, upload_form=form), status=400)


@portal_view(Action.DISPUTE_DEDUCTIONS)
@require_POST
def dispute_packet_view(request, pk):
    """Start building the dispute packet; an htmx request gets the job's progress in place."""
    deduction = _get_deduction(request, pk)
    try:
        job = dispute_packet_request(scope=request.scope, deduction_id=deduction.pk, actor=Actor.from_request(request))
    except PortalError as error:
        messages.error(request, error.message)
        return redirect("deduction_detail", pk=deduction.pk)
    if request.htmx:
        return _packet_job_fragment(request, deduction, job)
    if job.already_running:
        messages.info(request, _("The dispute packet is already being built: follow it below."))
    else:
        messages.success(request, _("The dispute packet is being built."))
    return redirect(f"{reverse('deduction_detail', args=[deduction.pk])}#packet-title")


def _packet_job_fragment(request, deduction, job):
    job = Job.objects.select_related("result").get(pk=job.pk)
    packet = dispute_packet_for(deduction=deduction) if job.status == JobStatus.SUCCEEDED else None
    return render(
        request, "reconciliation/_packet_job.html", {"deduction": deduction, "packet_job": job, "packet": packet, "file_form": DisputeFileForm()}
    )


@portal_view(Action.DISPUTE_DEDUCTIONS)
def dispute_packet_job_view(request, pk, job_id):
    """The packet job's progress, polled by htmx every second until it is finished."""
    deduction = _get_deduction(request, pk)
    job = job_readable_or_404(scope=request.scope, user=request.user, pk=job_id)
    if job.kind != PACKET_JOB_KIND or job.target_id != str(deduction.pk):
        raise Http404
    return _packet_job_fragment(request, deduction, job)


@portal_view(Action.DISPUTE_DEDUCTIONS)
@require_POST
def dispute_file_view(request, pk):
    """File the dispute with its packet: it uses one of the deduction's disputes, so it asks first."""
    deduction = _get_deduction(request, pk)
    form = DisputeFileForm(request.POST)
    if form.is_valid():
        standing = _dispute_standing(deduction, list(deduction.disputes.all()))
        unconfirmed = confirm_first(
            request,
            question=_("File dispute %(n)s of %(ref)s?") % {"n": standing["used"] + 1, "ref": deduction.reference},
            consequence=_("The retailer receives the dispute packet and your reason. A deduction may be disputed %(max)s times at most.")
            % {"max": standing["max"]},
            details=[
                (_("Amount"), money(deduction.amount, deduction.currency)),
                (_("Dispute by"), date_format(standing["deadline"], "DATE_FORMAT")),
                (_("Reason"), form.cleaned_data["reason"]),
            ],
            confirm_label=_("Yes, file the dispute"),
            cancel_url=reverse("deduction_detail", args=[deduction.pk]),
        )
        if unconfirmed is not None:
            return unconfirmed
        try:
            dispute = dispute_file(
                scope=request.scope, deduction_id=deduction.pk, reason=form.cleaned_data["reason"], actor=Actor.from_request(request)
            )
        except PortalError as error:
            _form_errors(form, error)
            messages.error(request, error.message)
        else:
            messages.success(request, _("Dispute %(n)s of %(ref)s filed with its packet.") % {"n": dispute.number, "ref": deduction.reference})
            return redirect("deduction_detail", pk=deduction.pk)
    deduction = _get_deduction(request, pk)
    return render(request, "reconciliation/deduction_detail.html", _deduction_context(request, deduction, file_form=form), status=400)


# Remittances ---------------------------------------------------------------------------------------
def _remittances_for(request):
    form = RemittanceFilterForm(request.GET or None, scope=request.scope)
    return form, selectors.remittance_list(scope=request.scope, filters=form.filters())


REMITTANCE_SUMS = ("gross_paid", "deductions_total", "reversals_total", "discounts_total", "credit_notes_total", "net_amount")


@portal_view(Action.VIEW_PAYMENTS)
def remittance_list_view(request):
    form, remittances = _remittances_for(request)
    totals, capped = listing.capped_totals(remittances, by="currency", sums=REMITTANCE_SUMS)
    page = listing.keyset_page(remittances, request.GET, page_size=PAGE_SIZE)
    return render(
        request,
        "reconciliation/remittance_list.html",
        {
            "form": form,
            "page": page,
            "totals": [] if capped else totals,
            "capped_count": listing.count_label(listing.COUNT_CAP, capped=True) if capped else None,
            "query": _export_query(request),
            "payment_hold": _payment_hold(request.scope),
        },
    )


def _payment_hold(scope):
    """When the vendor's bank details changed within the hold: the end of the hold (its payments wait)."""
    if scope is None or scope.vendor is None:
        return None
    return payment_holds(vendor_ids=[scope.vendor.pk]).get(scope.vendor.pk)


def _get_remittance(request, pk) -> Remittance:
    return get_visible_or_404(Remittance.objects.select_related("vendor", "marketplace", "run", "document"), request.scope, pk=pk)


@portal_view(Action.VIEW_PAYMENTS)
def remittance_detail_view(request, pk):
    remittance = _get_remittance(request, pk)
    lines = list(remittance.lines.select_related("invoice", "deduction").order_by("sequence"))
    sums = {kind: sum((line.amount for line in lines if line.kind == kind), ZERO) for kind in RemittanceLineKind.values}
    return render(
        request,
        "reconciliation/remittance_detail.html",
        {
            "remittance": remittance,
            "lines": lines,
            "sums": sums,
            "lines_total": sum((line.amount for line in lines), ZERO),
            "kinds": RemittanceLineKind,
        },
    )


@portal_view(Action.VIEW_PAYMENTS)
def remittance_pdf(request, pk):
    remittance = _get_remittance(request, pk)
    try:
        stored = remittance_document(scope=request.scope, remittance_id=remittance.pk, actor=Actor.from_request(request))
        return document_response(stored, filename=f"{remittance.number}.pdf", content_type="application/pdf")
    except DocumentFileMissing as error:  # the row is there, its file is gone: a 404 that says so
        messages.error(request, error.message)
        return render(request, "404.html", status=404)
    except PortalError as error:
        messages.error(request, error.message)
        return redirect("remittance_detail", pk=remittance.pk)


def _one_remittance(request, pk):
    remittance = _get_remittance(request, pk)
    return remittance, selectors.remittance_list(scope=request.scope).filter(pk=remittance.pk)


@portal_view(Action.VIEW_PAYMENTS)
def remittance_csv(request, pk):
    remittance, queryset = _one_remittance(request, pk)
    return exports.remittances_csv(queryset, remittance.number)


@portal_view(Action.VIEW_PAYMENTS)
def remittance_xlsx(request, pk):
    remittance, queryset = _one_remittance(request, pk)
    return exports.remittances_xlsx(queryset, remittance.number)


@portal_view(Action.VIEW_PAYMENTS)
def remittance_export_csv(request):
    return export_csv(request, exports.REMITTANCES)


@portal_view(Action.VIEW_PAYMENTS)
def remittance_export_xlsx(request):
    return export_job_start(request, exports.REMITTANCES, "xlsx")


# Disputes (accounts payable) -----------------------------------------------------------------------
@portal_view(Action.ANSWER_DISPUTES)
def dispute_queue(request):
    status = request.GET.get("status", DisputeStatus.OPEN)
    status = status if status in DisputeStatus.values else ""
    disputes = selectors.dispute_list(scope=request.scope, status=status or None).select_related("deduction__vendor", "deduction__marketplace")
    if status == DisputeStatus.OPEN:
        disputes = disputes.order_by("created_at", "id")  # oldest first: the queue is worked in order
    page = listing.keyset_page(disputes, request.GET, page_size=PAGE_SIZE)
    # Each disputed deduction names its POs (one query for the page's rows).
    po_numbers = dict(selectors.deduction_queryset(request.scope).filter(pk__in=[d.deduction_id for d in page]).values_list("pk", "po_numbers"))
    for dispute in page:
        dispute.po_numbers = po_numbers.get(dispute.deduction_id) or []
    return render(request, "reconciliation/dispute_list.html", {"page": page, "status": status, "statuses": DisputeStatus.choices})


def _dispute_context(request, dispute: Dispute, form=None) -> dict:
    deduction = _get_deduction(request, dispute.deduction_id)
    context = _deduction_context(request, deduction)
    # No answer is pre-selected: upholding or reversing is a decision the person makes, never a default.
    context.update({"dispute": dispute, "answer_form": form or DisputeAnswerForm()})
    return context


@portal_view(Action.VIEW_PAYMENTS)
def dispute_detail(request, pk):
    dispute = get_visible_or_404(
        Dispute.objects.select_related("deduction", "answered_by", "created_by").prefetch_related("evidence"), request.scope, pk=pk
    )
    if not request.scope.can(Action.ANSWER_DISPUTES):
        # Vendor finance follows its disputes on the deduction (links in notifications land here).
        return redirect(f"{reverse('deduction_detail', args=[dispute.deduction_id])}#dispute-{dispute.number}")
    return render(request, "reconciliation/dispute_detail.html", _dispute_context(request, dispute))


@portal_view(Action.ANSWER_DISPUTES)
@require_POST
def dispute_answer_view(request, pk):
    dispute = get_visible_or_404(Dispute.objects.select_related("deduction").prefetch_related("evidence"), request.scope, pk=pk)
    form = DisputeAnswerForm(request.POST)
    if form.is_valid():
        try:
            dispute_answer(
                scope=request.scope,
                dispute_id=dispute.pk,
                outcome=form.cleaned_data["outcome"],
                amount=form.cleaned_data["amount"],
                note=form.cleaned_data["note"],
                actor=Actor.from_request(request),
            )
        except PortalError as error:
            _form_errors(form, error)
            messages.error(request, error.message)
        else:
            messages.success(request, _("Dispute of %(ref)s answered.") % {"ref": dispute.deduction.reference})
            return redirect("dispute_queue")
    return render(request, "reconciliation/dispute_detail.html", _dispute_context(request, dispute, form), status=400)


# Payment runs and the match (accounts payable) -----------------------------------------------------
def _marketplace_or_none(code):
    return Marketplace.objects.filter(code=code).first() if code else None


@portal_view(Action.RUN_PAYMENTS)
def payment_run_list(request):
    """The runs, and the form that previews a run for a pay date ("preview") or creates it."""
    form = PaymentRunForm(request.POST or None, initial={"pay_date": timezone.localdate()})
    preview, status = None, 200
    if request.method == "POST" and form.is_valid():
        marketplace = _marketplace_or_none(form.cleaned_data["marketplace"])
        if "preview" in request.POST:
            try:
                preview = selectors.payment_run_preview(scope=request.scope, pay_date=form.cleaned_data["pay_date"], marketplace=marketplace)
            except PortalError as error:
                _form_errors(form, error)
                status = 400
        else:
            try:
                run = payment_run_create(
                    scope=request.scope,
                    pay_date=form.cleaned_data["pay_date"],
                    actor=Actor.from_request(request),
                    marketplace=marketplace,
                )
            except PortalError as error:
                _form_errors(form, error)
                messages.error(request, error.message)
                status = 400
            else:
                messages.success(request, _("Payment run %(n)s created: a second person in accounts payable must approve it.") % {"n": run.number})
                return redirect("payment_run_detail", pk=run.pk)
    elif request.method == "POST":
        status = 400
    page = listing.keyset_page(selectors.payment_run_list(scope=request.scope), request.GET, page_size=PAGE_SIZE)
    return render(request, "reconciliation/payment_run_list.html", {"form": form, "preview": preview, "page": page}, status=status)


def _run_nets(run: PaymentRun) -> dict:
    nets = defaultdict(lambda: ZERO)
    for remittance in run.remittances.all():
        nets[remittance.currency] += remittance.net_amount
    return dict(sorted(nets.items()))


def payment_run_review(request, scope, approval) -> dict | None:
    run = (
        PaymentRun.objects.visible_to(scope)
        .prefetch_related("remittances__vendor", "remittances__marketplace")
        .filter(pk=approval.payload.get("run_id"))
        .first()
    )
    if run is None:
        return None
    return {"run": run, "nets": _run_nets(run), "remittances": sorted(run.remittances.all(), key=lambda r: (r.vendor.code, r.marketplace.code))}


@portal_view(Action.RUN_PAYMENTS)
def payment_run_detail(request, pk):
    run = get_visible_or_404(
        PaymentRun.objects.select_related("created_by", "approved_by", "paid_by", "approval_request").prefetch_related(
            "remittances__vendor", "remittances__marketplace"
        ),
        request.scope,
        pk=pk,
    )
    waiting = run.status == PaymentRunStatus.PENDING_APPROVAL
    return render(
        request,
        "reconciliation/payment_run_detail.html",
        {
            "run": run,
            "remittances": sorted(run.remittances.all(), key=lambda r: (r.vendor.code, r.marketplace.code)),
            "nets": _run_nets(run),
            "can_decide": waiting and run.created_by_id != request.user.pk,
            "own_run": waiting and run.created_by_id == request.user.pk,
            "can_pay": run.status == PaymentRunStatus.APPROVED,
            "can_cancel": run.can_transition_to(PaymentRunStatus.CANCELLED),
            "decision_form": RunDecisionForm(),
        },
    )


def _run_action(request, pk, action):
    run = get_visible_or_404(PaymentRun, request.scope, pk=pk)
    try:
        message = action(run)
    except PortalError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, message)
    return redirect("payment_run_detail", pk=run.pk)


@portal_view(Action.RUN_PAYMENTS)
@require_POST
@fresh_second_factor(
    applies=lambda request, pk: request.POST.get("decision") == "approve",
    return_to=lambda request, pk: reverse("payment_run_detail", kwargs={"pk": pk}),
)
def payment_run_decide_view(request, pk):
    form = RunDecisionForm(request.POST)
    run = get_visible_or_404(PaymentRun.objects.prefetch_related("remittances"), request.scope, pk=pk)
    if form.is_valid() and run.status == PaymentRunStatus.PENDING_APPROVAL and run.created_by_id != request.user.pk:
        approve = form.cleaned_data["decision"] == "approve"
        nets = _run_nets(run)
        unconfirmed = confirm_first(
            request,
            question=(_("Approve payment run %(n)s?") if approve else _("Turn down payment run %(n)s?")) % {"n": run.number},
            consequence=_("Once approved, it can be paid: the vendors are paid these amounts.")
            if approve
            else _("A run turned down is cancelled; its invoices and deductions go back to the pool."),
            details=[(_("Net to pay in %(c)s") % {"c": currency}, money(amount, currency)) for currency, amount in nets.items()]
            + [(_("Remittances"), run.remittances.count()), (_("Pay date"), date_format(run.pay_date, "DATE_FORMAT"))],
            confirm_label=_("Yes, approve") if approve else _("Yes, turn it down"),
            cancel_url=reverse("payment_run_detail", args=[run.pk]),
            danger=not approve,
        )
        if unconfirmed is not None:
            return unconfirmed

    def decide(run):
        if not form.is_valid():
            raise PortalError(_("Choose approve or turn down."))
        approve = form.cleaned_data["decision"] == "approve"
        payment_run_decide(scope=request.scope, run_id=run.pk, approve=approve, actor=Actor.from_request(request), note=form.cleaned_data["note"])
        return (
            _("Payment run %(n)s approved: it can be paid.") % {"n": run.number}
            if approve
            else _("Payment run %(n)s turned down and cancelled.") % {"n": run.number}
        )

    return _run_action(request, pk, decide)


@portal_view(Action.RUN_PAYMENTS)
@require_POST
def payment_run_pay_view(request, pk):
    def pay(run):
        payment_run_pay(scope=request.scope, run_id=run.pk, actor=Actor.from_request(request))
        return _("Payment run %(n)s paid: remittances sent to the vendors.") % {"n": run.number}

    return _run_action(request, pk, pay)


@portal_view(Action.RUN_PAYMENTS)
@require_POST
def payment_run_cancel_view(request, pk):
    def cancel(run):
        payment_run_cancel(scope=request.scope, run_id=run.pk, actor=Actor.from_request(request))
        return _("Payment run %(n)s cancelled: its invoices and deductions are free again.") % {"n": run.number}

    return _run_action(request, pk, cancel)


@portal_view(Action.RUN_PAYMENTS)
@require_POST
def match_run_view(request):
    """Run the 3-way match now. It is set-based and quick, so it runs in the request and reports at once."""
    try:
        summary = match_run(scope=request.scope, actor=Actor.from_request(request))
    except PortalError as error:
        messages.error(request, error.message)
    else:
        numbers = summary.as_dict()
        messages.success(
            request,
            _(
                "Match done: %(lines)s invoice lines checked, %(claims)s claims raised, %(updated)s updated, %(reversals)s reversals, "
                "%(approved)s invoices approved for payment, %(hold)s on hold."
            )
            % {
                "lines": numbers["lines"],
                "claims": numbers["claims_raised"],
                "updated": numbers["claims_updated"],
                "reversals": numbers["reversals"],
                "approved": numbers["approved_for_payment"],
                "hold": numbers["on_hold"],
            },
        )
    target = request.POST.get("next") or reverse("payment_run_list")
    return redirect(target if target.startswith("/payments/") else reverse("payment_run_list"))


# Navigation and home-page counts -------------------------------------------------------------------
def register_screens() -> None:
    """Nav entries and "needs me" counts of the payment screens; called from ReconciliationConfig.ready()."""
    from vendor_portal.navigation import DetailPanel, NavItem, NeedsMe, register_detail_panel, register_nav, register_needs_me

    register_detail_panel(
        DetailPanel(
            "invoice",
            "reconciliation/_invoice_match.html",
            Action.VIEW_PAYMENTS,
            lambda request, scope, invoice: selectors.invoice_match(scope=scope, invoice=invoice),
            order=10,
        )
    )
    # The checker of a payment run sees its totals per currency and per vendor on the approval request.
    register_detail_panel(DetailPanel("approval:payment_run", "reconciliation/_payment_run_review.html", Action.RUN_PAYMENTS, payment_run_review))
    register_nav(NavItem(gettext_lazy("Payments"), "payment_summary", Action.VIEW_PAYMENTS, order=50, side="vendor"))
    register_nav(NavItem(gettext_lazy("Payment summary"), "payment_summary", Action.VIEW_PAYMENTS, order=50, side="retailer"))
    register_nav(NavItem(gettext_lazy("Deductions"), "deduction_list", Action.VIEW_PAYMENTS, order=51))
    register_nav(NavItem(gettext_lazy("Remittances"), "remittance_list", Action.VIEW_PAYMENTS, order=52))
    register_nav(NavItem(gettext_lazy("Disputes"), "dispute_queue", Action.ANSWER_DISPUTES, order=53, side="retailer"))
    register_nav(NavItem(gettext_lazy("Payment runs"), "payment_run_list", Action.RUN_PAYMENTS, order=54, side="retailer"))
    register_needs_me(
        NeedsMe(
            gettext_lazy("Deductions you can still dispute"),
            "/payments/deductions/?status=open&disputable=on",
            Action.DISPUTE_DEDUCTIONS,
            lambda request, scope: selectors.deduction_list(scope=scope, filters={"disputable": "1", "status": DeductionStatus.OPEN}).count(),
            order=45,
            side="vendor",
        )
    )
    register_needs_me(
        NeedsMe(
            gettext_lazy("Dispute windows closing within 7 days"),
            "/payments/deductions/?closing=on",
            Action.DISPUTE_DEDUCTIONS,
            lambda request, scope: selectors.deductions_closing(Deduction.objects.visible_to(scope)).count(),
            order=44,
            side="vendor",
        )
    )
    register_needs_me(
        NeedsMe(
            gettext_lazy("Disputes waiting for an answer"),
            "/payments/disputes/",
            Action.ANSWER_DISPUTES,
            lambda request, scope: Dispute.objects.visible_to(scope).filter(status=DisputeStatus.OPEN).count(),
            order=45,
            side="retailer",
        )
    )
    register_needs_me(
        NeedsMe(
            gettext_lazy("Approved payment runs to pay"),
            "/payments/runs/",
            Action.RUN_PAYMENTS,
            lambda request, scope: PaymentRun.objects.visible_to(scope).filter(status=PaymentRunStatus.APPROVED).count(),
            order=46,
            side="retailer",
        )
    )
