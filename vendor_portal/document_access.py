"""Who may read a stored document or a background job: exactly those who may read the record it belongs to.

A Document or Job names its owning record by `target_type` ("app_label.model") and `target_id`. Reading it
takes the action that reads that record (the role's, or the API token's scope) and the record itself being
visible to the asker's scope, marketplace limits included. An export belongs to the person who asked for it.

- `document_readable_or_404(*, scope, user, pk)` — the Document, or Http404 / PermissionDenied.
- `job_readable_or_404(*, scope, user, pk, queryset=None)` — the Job, the same way.

The policy names the domain's models by label only: the core imports no app (dependencies flow one way).
"""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.http import Http404

from vendor_portal.models import Document, Job
from vendor_portal.roles import Action
from vendor_portal.tenancy import get_visible_or_404

# The owning record's model label and the action that reads it. A target not listed here is readable by nobody:
# the policy fails closed, so a new kind of document is refused until someone says who may read it.
TARGET_READ_ACTIONS: dict[str, str] = {
    "purchase_orders.purchaseorder": Action.VIEW_PURCHASE_ORDERS,
    "shipments.shipment": Action.VIEW_SHIPMENTS,
    "invoicing.invoice": Action.VIEW_INVOICES,
    # A received e-invoice (and the job that reads it) is for those who see invoices.
    "invoicing.einvoicereceipt": Action.VIEW_INVOICES,
    "reconciliation.remittance": Action.VIEW_PAYMENTS,
    "reconciliation.dispute": Action.VIEW_PAYMENTS,
    "reconciliation.deduction": Action.VIEW_PAYMENTS,
    # An EDI interchange (and a job that processes an upload) is for those who exchange EDI.
    "edi.interchange": Action.EXCHANGE_EDI,
    # A confirmed new-items file (and the job that proposes its items) is the vendor's, for those who see the catalogue.
    "catalogue.itemproposalupload": Action.VIEW_CATALOGUE,
}
# An export's document belongs to its job (target "vendor_portal.job"), and the job to the person who asked.
EXPORT_KIND = "export"
# Jobs that work on no one record (a scorecard week's refresh), by the action that reads what they compute: the
# vendor's own (Job rows are vendor-scoped), for whoever may read that.
VENDOR_JOB_KINDS: dict[str, str] = {"scorecard_refresh": Action.VIEW_PURCHASE_ORDERS}
JOB_LABEL = "vendor_portal.job"


def _check_target(*, scope, target_type: str, target_id: str) -> None:
    """PermissionDenied when the role or token may not read records of this kind; Http404 when this record is
    not one the scope sees (another vendor's, outside the marketplace limits, gone, or of no known kind)."""
    action = TARGET_READ_ACTIONS.get(target_type)
    if action is None:
        raise Http404
    if not scope.can(action):
        raise PermissionDenied
    model = apps.get_model(target_type)
    if not model.objects.visible_to(scope).filter(pk=target_id).exists():
        raise Http404


def _check_export(*, scope, user, job: Job) -> None:
    """An export holds what its requester's scope let them see (marketplaces, or every vendor): theirs alone,
    and only while their role still allows the export."""
    from vendor_portal.errors import NotFoundError
    from vendor_portal.services.exports import export_for

    if job.kind != EXPORT_KIND or job.created_by_id is None or user is None or job.created_by_id != user.pk:
        raise Http404
    try:
        export = export_for(job.params.get("export", ""))
    except NotFoundError:
        raise Http404 from None
    if not scope.can(export.action):
        raise PermissionDenied


def _check_job(*, scope, user, job: Job) -> None:
    if job.kind == EXPORT_KIND:
        _check_export(scope=scope, user=user, job=job)
    elif job.kind in VENDOR_JOB_KINDS:
        if not scope.can(VENDOR_JOB_KINDS[job.kind]):
            raise PermissionDenied
    else:
        _check_target(scope=scope, target_type=job.target_type, target_id=job.target_id)


def document_readable_or_404(*, scope, user, pk) -> Document:
    """The document, if the asker may read the record it belongs to; another vendor's is a 404 as always."""
    document = get_visible_or_404(Document, scope, pk=pk)
    if document.target_type == JOB_LABEL:
        job = Job.objects.visible_to(scope).filter(pk=document.target_id).first()
        if job is None or document.kind != EXPORT_KIND or document.uploaded_by_id != getattr(user, "pk", None):
            raise Http404
        _check_export(scope=scope, user=user, job=job)
    else:
        _check_target(scope=scope, target_type=document.target_type, target_id=document.target_id)
    return document


def job_readable_or_404(*, scope, user, pk, queryset=None) -> Job:
    """The job, if the asker may read the record it works on (an export: if it is theirs)."""
    job = get_visible_or_404(queryset if queryset is not None else Job.objects.all(), scope, pk=pk)
    _check_job(scope=scope, user=user, job=job)
    return job


def job_readable(*, scope, user, job: Job) -> bool:
    """For a job already in hand (a list, a page): may this asker see it and its result?"""
    try:
        _check_job(scope=scope, user=user, job=job)
    except (Http404, PermissionDenied):
        return False
    return True
