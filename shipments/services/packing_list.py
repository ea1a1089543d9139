"""Packing lists of a shipment: the vendor's own PDF uploaded, or the portal's rendered as PDF/A, on request
(the API) or by the packing-list job in a worker (the screens), with its progress on the Job."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal.errors import DomainValidationError, InvalidTransitionError, field_error
from vendor_portal.models import Document, Job, JobStatus
from vendor_portal.services.audit import Actor, audit_record
from vendor_portal.services.documents import document_store
from vendor_portal.services.jobs import job_claim, job_enqueue_on_commit, job_fail, job_in_progress

from ..models import Shipment, ShipmentState
from ._common import _shipment_for_update

PACKING_LIST_MAX_BYTES = 5 * 1024 * 1024
PACKING_LIST_JOB_KIND = "shipment_packing_list"
# The job's steps, as its progress shows them: read the shipment, render the PDF/A, store it.
PACKING_LIST_STEPS = 3
PACKING_LIST_RENDER_ATTEMPTS = 3  # renders of one job when the shipment changes while it renders


def shipment_packing_list_upload(*, scope, shipment_id, uploaded_file, actor: Actor) -> Document:
    """The vendor's own packing list: a PDF of at most 5 MB."""
    import tempfile

    with transaction.atomic():
        shipment = _shipment_for_update(scope, shipment_id)
        if shipment.state == ShipmentState.CANCELLED:
            raise InvalidTransitionError(_("A cancelled shipment takes no documents."))
        if uploaded_file is None:
            raise DomainValidationError(_("Choose a PDF file."), field="file")
        if uploaded_file.size > PACKING_LIST_MAX_BYTES:
            raise DomainValidationError(
                _("The file is larger than 5 MB."), field="file", errors=[field_error(None, "file", _("The file is larger than 5 MB."), "too_large")]
            )
        uploaded_file.seek(0)
        if uploaded_file.read(5) != b"%PDF-":
            raise DomainValidationError(
                _("Only PDF files are accepted."), errors=[field_error(None, "file", _("Only PDF files are accepted."), "not_pdf")]
            )
        uploaded_file.seek(0)
        with tempfile.NamedTemporaryFile(suffix=".pdf") as temp:
            for chunk in uploaded_file.chunks():
                temp.write(chunk)
            temp.flush()
            document = document_store(
                vendor=shipment.vendor,
                kind="packing_list_upload",
                key=f"shipments/{shipment.pk}/packing-list-vendor.pdf",
                title=_("Packing list (vendor) %(id)s") % {"id": shipment.shipment_identifier},
                source_path=temp.name,
                target=shipment,
                uploaded_by=actor.user,
            )
        audit_record(
            actor=actor,
            action="shipment.packing_list_upload",
            obj=shipment,
            after={"document": document.pk, "size": document.size, "sha256": document.sha256},
        )
    return document


def _packing_list_html(shipment: Shipment) -> str:
    from django.template.loader import render_to_string

    from ..selectors import shipment_packing_list_context

    return render_to_string("shipments/packing_list.html", shipment_packing_list_context(shipment=shipment))


def _packing_list_store(shipment: Shipment, content: bytes, actor: Actor) -> Document:
    document = document_store(
        vendor=shipment.vendor,
        kind="packing_list",
        key=shipment.packing_list_key,
        title=_("Packing list %(id)s") % {"id": shipment.shipment_identifier},
        content=content,
        target=shipment,
        uploaded_by=actor.user,
    )
    audit_record(actor=actor, action="shipment.packing_list_render", obj=shipment, after={"document": document.pk, "sha256": document.sha256})
    return document


def shipment_packing_list_render(*, scope, shipment_id, actor: Actor) -> Document:
    """The portal's packing list, PDF/A-2b through WeasyPrint, rendered now (the API's request); the
    screens start the packing-list job instead."""
    from vendor_portal.pdfa import render_html_pdfa

    with transaction.atomic():
        shipment = _shipment_for_update(scope, shipment_id)
        return _packing_list_store(shipment, render_html_pdfa(_packing_list_html(shipment)), actor)


def shipment_packing_list_request(*, scope, shipment_id, actor: Actor) -> Job:
    """Queue the packing list's rendering; the worker reports its steps on the Job. While one is being
    rendered, asking again hands back that job (`job.already_running`), as the labels do."""
    from ..tasks import render_shipment_packing_list

    with transaction.atomic():
        shipment = _shipment_for_update(scope, shipment_id)
        if shipment.state == ShipmentState.CANCELLED:
            raise InvalidTransitionError(_("A cancelled shipment takes no documents."))
        running = job_in_progress(vendor=shipment.vendor, kind=PACKING_LIST_JOB_KIND, target=shipment)
        if running is not None:
            running.already_running = True
            return running
        job = Job.objects.create(
            vendor=shipment.vendor,
            kind=PACKING_LIST_JOB_KIND,
            target_type=shipment._meta.label_lower,
            target_id=str(shipment.pk),
            progress_total=PACKING_LIST_STEPS,
            params={"asn_revision": shipment.asn_revision},
            created_by=actor.user,
        )
        audit_record(actor=actor, action="shipment.packing_list_request", obj=shipment, after={"job": str(job.pk)})
        job_enqueue_on_commit(job_id=job.pk, task=render_shipment_packing_list)
    job.already_running = False
    return job


def shipment_packing_list_build(*, job_id, redelivered: bool = False) -> Job | None:
    """The packing-list job's work: render the shipment's packing list and store it for its ASN revision.

    It renders without holding the shipment, then stores the file only if the shipment, locked, still
    reads exactly as rendered (the HTML is cheap to compare, the PDF is the slow part); otherwise it
    renders again from what the shipment says now."""
    from vendor_portal.pdfa import render_html_pdfa

    job = job_claim(job_id=job_id, redelivered=redelivered)
    if job is None:
        return None
    related = ("vendor", "marketplace", "ship_to", "ship_from")
    shipment = Shipment.objects.select_related(*related).filter(pk=job.target_id, vendor_id=job.vendor_id).first()
    if shipment is None:
        job_fail(job_id=job_id, message=_("The shipment no longer exists."))
        return None
    Job.objects.filter(pk=job_id).update(progress_total=PACKING_LIST_STEPS)
    actor = Actor(user=job.created_by) if job.created_by else Actor.system()
    document = None
    for _attempt in range(PACKING_LIST_RENDER_ATTEMPTS):
        html = _packing_list_html(shipment)
        _job_step(job_id, 1)
        content = render_html_pdfa(html)
        _job_step(job_id, 2)
        with transaction.atomic():
            current = Shipment.objects.select_for_update(of=("self",)).select_related(*related).filter(pk=shipment.pk).first()
            if current is None:
                job_fail(job_id=job_id, message=_("The shipment no longer exists."))
                return None
            if _packing_list_html(current) == html:
                document = _packing_list_store(current, content, actor)
        if document is not None:
            break
        shipment = current
    else:
        job_fail(job_id=job_id, message=_("The shipment kept changing while its packing list was rendered. Generate it again."))
        return None
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        status=JobStatus.SUCCEEDED, progress_done=PACKING_LIST_STEPS, result=document, finished_at=timezone.now()
    )
    return Job.objects.get(pk=job_id)


def _job_step(job_id, done: int) -> None:
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(progress_done=done)
