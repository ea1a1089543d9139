"""The dispute packet: the vendor's attachments, one PDF/A of a deduction's evidence, and the dispute filed with it.

- `deduction_attachments_add(*, scope, deduction_id, files, actor)` — the vendor's own evidence (PDF, JPEG or
  PNG by content, as a dispute's files) stored as Documents of the deduction; they join its evidence locker.
- `dispute_packet_request(*, scope, deduction_id, actor)` — queue the packet's job (one per deduction at a
  time), refused at once when the deduction may not be disputed now (window closed, most disputes made).
- `dispute_packet_build(*, job_id, redelivered=False)` — the job's work: a PDF/A-3b with a cover (deduction,
  amounts, reason, deadline), the evidence index and each evidence file (images and PDF pages placed on
  pages; the PDFs embedded whole as well), stored under the key of the dispute it is for.
- `dispute_packet_for(*, deduction)` — the packet built for the deduction's next dispute, if any.
- `dispute_packet_job_latest(*, deduction)` — the newest packet job of the deduction (its state, its document).
- `dispute_file(*, scope, deduction_id, reason, actor, packet_id=None, files=())` — open the dispute with the
  packet (and the vendor's attachments, and any files uploaded with it) as its evidence; refused after the window
  or the most disputes, as any dispute is. `packet_id`, when the caller names the packet it read, must be that packet.
"""

from __future__ import annotations

import base64
import io
import logging
from pathlib import PurePath

from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from vendor_portal.errors import ForbiddenError, NotFoundError
from vendor_portal.models import Document, Job
from vendor_portal.roles import Action
from vendor_portal.services.audit import Actor, audit_record
from vendor_portal.services.documents import document_store
from vendor_portal.services.jobs import job_claim, job_enqueue_on_commit, job_fail, job_in_progress, job_progress, job_succeed

from ..evidence import ATTACHMENT_KIND, deduction_evidence
from ..models import Deduction
from .disputes import _check_evidence, dispute_create, dispute_deadline, dispute_next_number

logger = logging.getLogger(__name__)

PACKET_JOB_KIND = "dispute_packet"
PACKET_KIND = "dispute_packet"
PAGES_SHOWN_PER_FILE = 10  # a PDF's first pages are drawn into the packet; the whole file is embedded too
IMAGE_MAX_PIXELS = 1600  # evidence photos are scaled to fit this box: legible on A4, a packet of a few MB
PDF_RENDER_SCALE = 1.5  # 108 dpi: a scanned BOL or a label stays readable


def packet_key(deduction: Deduction, number: int) -> str:
    return f"deductions/{deduction.pk}/dispute-packet-{number}.pdf"


def _vendor_deduction(scope, deduction_id, *, lock: bool = False) -> Deduction:
    if scope is None or scope.is_retailer or not scope.can(Action.DISPUTE_DEDUCTIONS):
        raise ForbiddenError()
    queryset = Deduction.objects.visible_to(scope).select_related("marketplace", "vendor")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    deduction = queryset.filter(pk=deduction_id).first() if str(deduction_id).isdecimal() else None
    if deduction is None:
        raise NotFoundError(_("Deduction not found."))
    return deduction


def deduction_attachments_add(*, scope, deduction_id, files, actor: Actor) -> list[Document]:
    checked = _check_evidence(files)
    with transaction.atomic():
        deduction = _vendor_deduction(scope, deduction_id, lock=True)
        dispute_next_number(deduction)  # nothing to add evidence for once it may not be disputed
        start = Document.objects.filter(
            vendor=deduction.vendor, kind=ATTACHMENT_KIND, target_type="reconciliation.deduction", target_id=str(deduction.pk)
        ).count()
        documents = []
        for index, (uploaded, content_type, extension) in enumerate(checked, start=start + 1):
            stem = get_valid_filename(PurePath(uploaded.name or "").stem.replace("\x00", ""))[:80].strip(".") or "evidence"
            documents.append(
                document_store(
                    vendor=deduction.vendor,
                    kind=ATTACHMENT_KIND,
                    key=f"deductions/{deduction.pk}/evidence/{index}-{stem}.{extension}",
                    title=(uploaded.name or "").replace("\x00", "")[:200] or stem,
                    content=uploaded.read(),
                    content_type=content_type,
                    target=deduction,
                    uploaded_by=actor.user,
                )
            )
        audit_record(
            actor=actor,
            action="deduction.attach",
            obj=deduction,
            after={"documents": [d.pk for d in documents], "titles": [d.title for d in documents]},
        )
    return documents


def dispute_packet_request(*, scope, deduction_id, actor: Actor) -> Job:
    """Queue the packet's job; while one is queued or running, asking again hands that one back."""
    from ..tasks import render_dispute_packet

    with transaction.atomic():
        deduction = _vendor_deduction(scope, deduction_id, lock=True)
        number = dispute_next_number(deduction)
        running = job_in_progress(vendor=deduction.vendor, kind=PACKET_JOB_KIND, target=deduction)
        if running is not None:
            running.already_running = True
            return running
        job = Job.objects.create(
            vendor=deduction.vendor,
            kind=PACKET_JOB_KIND,
            target_type=deduction._meta.label_lower,
            target_id=str(deduction.pk),
            progress_total=2,
            params={"dispute_number": number},
            created_by=actor.user,
        )
        audit_record(actor=actor, action="deduction.packet_request", obj=deduction, after={"job": str(job.pk), "dispute_number": number})
        job_enqueue_on_commit(job_id=job.pk, task=render_dispute_packet)
    job.already_running = False
    return job


def dispute_packet_job_latest(*, deduction: Deduction) -> Job | None:
    """The deduction's newest packet job (queued, running, or finished with its document as `result`). The deduction
    was read through the asker's scope."""
    return (
        Job.objects.select_related("result")
        .filter(vendor_id=deduction.vendor_id, kind=PACKET_JOB_KIND, target_type=deduction._meta.label_lower, target_id=str(deduction.pk))
        .order_by("-created_at", "-pk")
        .first()
    )


def dispute_packet_for(*, deduction: Deduction, number: int | None = None) -> Document | None:
    """The packet stored for dispute `number` (the next one by default) of the deduction."""
    if number is None:
        number = deduction.disputes.count() + 1
    return Document.objects.filter(vendor_id=deduction.vendor_id, kind=PACKET_KIND, key=packet_key(deduction, number)).first()


# Rendering ------------------------------------------------------------------------------------------
def _data_uri(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()


def _jpeg(image) -> bytes:
    """The image as a plain RGB JPEG (no alpha, no embedded profile, no CMYK): safe inside a PDF/A."""
    from PIL import ImageOps

    image = ImageOps.exif_transpose(image).convert("RGB")
    image.thumbnail((IMAGE_MAX_PIXELS, IMAGE_MAX_PIXELS))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)
    return out.getvalue()


def _image_pages(content: bytes) -> tuple[list[str], int]:
    from PIL import Image

    with Image.open(io.BytesIO(content)) as image:
        return [_data_uri(_jpeg(image))], 1


def _pdf_pages(content: bytes) -> tuple[list[str], int]:
    """The first pages of a PDF drawn as images (a PDF of any make then sits safely inside the PDF/A)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(content)
    try:
        total = len(document)
        pages = []
        for index in range(min(total, PAGES_SHOWN_PER_FILE)):
            page = document[index]
            try:
                pages.append(_data_uri(_jpeg(page.render(scale=PDF_RENDER_SCALE).to_pil())))
            finally:
                page.close()
        return pages, total
    finally:
        document.close()


def _appendix(item, index: int) -> tuple[dict, object | None]:
    """What the packet shows of one evidence file, and the file to embed (PDFs only)."""
    from weasyprint import Attachment

    document = item.document
    section = {"number": index, "item": item, "images": [], "pages": 0, "problem": ""}
    with document.file.open("rb") as handle:
        content = handle.read()
    embedded = None
    try:
        if content.startswith(b"%PDF-"):
            section["images"], section["pages"] = _pdf_pages(content)
            stem = get_valid_filename(PurePath(document.title).stem)[:80] or "evidence"
            embedded = Attachment(file_obj=io.BytesIO(content), name=f"{index:02d}-{stem}.pdf", description=item.title, relationship="Supplement")
        else:
            section["images"], section["pages"] = _image_pages(content)
    except Exception:  # noqa: BLE001 - a file PDFium or Pillow cannot read is named in the packet, not fatal
        logger.warning("evidence document %s could not be drawn", document.pk, exc_info=True)
        section["problem"] = _("This file could not be shown.")
    return section, embedded


def _packet_html(deduction: Deduction, items, sections, number: int) -> str:
    from django.template.loader import render_to_string

    from ..engine import dispute_windows, window_for
    from ..models import marketplace_today

    days, max_disputes = window_for(dispute_windows(), deduction.marketplace_id, deduction.kind)
    deadline = dispute_deadline(deduction, days)
    appendix = {id(section["item"]): section["number"] for section in sections}
    return render_to_string(
        "reconciliation/dispute_packet_pdf.html",
        {
            "deduction": deduction,
            "vendor": deduction.vendor,
            "rows": [{"item": item, "appendix": appendix.get(id(item))} for item in items],
            "sections": sections,
            "number": number,
            "max_disputes": max_disputes,
            "deadline": deadline,
            "days_left": (deadline - marketplace_today(deduction.marketplace)).days,
            "built_at": timezone.now(),
        },
    )


def dispute_packet_build(*, job_id, redelivered: bool = False) -> Job | None:
    """The packet job's work: gather the evidence, draw each file, render the PDF/A and store it."""
    from vendor_portal.pdfa import render_html_pdfa

    job = job_claim(job_id=job_id, redelivered=redelivered)
    if job is None:
        return None
    deduction = (
        Deduction.objects.select_related("marketplace", "vendor", "invoice", "shipment", "purchase_order")
        .filter(pk=job.target_id, vendor_id=job.vendor_id)
        .first()
    )
    if deduction is None:
        job_fail(job_id=job_id, message=_("The deduction no longer exists."))
        return None
    number = int(job.params.get("dispute_number") or deduction.disputes.count() + 1)
    items = deduction_evidence(deduction=deduction)
    with_files = [item for item in items if item.document is not None]
    total = len(with_files) + 2
    job_progress(job_id=job_id, done=1, total=total)
    sections, embedded = [], []
    for index, item in enumerate(with_files, start=1):
        section, attachment = _appendix(item, index)
        sections.append(section)
        if attachment is not None:
            embedded.append(attachment)
        job_progress(job_id=job_id, done=1 + index)
    content = render_html_pdfa(_packet_html(deduction, items, sections, number), variant="pdf/a-3b", attachments=embedded)
    actor = Actor(user=job.created_by) if job.created_by else Actor.system()
    with transaction.atomic():
        document = document_store(
            vendor=deduction.vendor,
            kind=PACKET_KIND,
            key=packet_key(deduction, number),
            title=_("Dispute packet %(ref)s (dispute %(n)s)") % {"ref": deduction.reference, "n": number},
            content=content,
            target=deduction,
            uploaded_by=job.created_by,
        )
        audit_record(
            actor=actor,
            action="deduction.packet_build",
            obj=deduction,
            after={"document": document.pk, "sha256": document.sha256, "items": len(items)},
        )
    job_succeed(job_id=job_id, result=document, done=total)
    return Job.objects.get(pk=job_id)


def dispute_file(*, scope, deduction_id, reason: str, actor: Actor, packet_id=None, files=()):
    """Open the deduction's next dispute with its packet (built first), the vendor's attachments and `files` (uploads,
    checked as any dispute's). `packet_id`: the packet the caller read (the API's reference); another is refused."""
    from ._common import _refuse

    deduction = _vendor_deduction(scope, deduction_id)
    # Whether it may be disputed at all comes first (window, an open dispute, the most made): a packet cannot help.
    number = dispute_next_number(deduction)
    packet = dispute_packet_for(deduction=deduction, number=number)
    if packet is None:
        _refuse(_("Build the dispute packet first: it carries the evidence to the retailer."), "packet" if packet_id else None, "packet_missing")
    if packet_id is not None and str(packet_id) != str(packet.pk):
        _refuse(
            _("Document %(id)s is not the dispute packet of %(ref)s for its next dispute (that is document %(packet)s).")
            % {"id": packet_id, "ref": deduction.reference, "packet": packet.pk},
            "packet",
            "packet_mismatch",
        )
    attachments = Document.objects.filter(
        vendor_id=deduction.vendor_id, kind=ATTACHMENT_KIND, target_type="reconciliation.deduction", target_id=str(deduction.pk)
    ).order_by("pk")
    # The service re-checks the window and the limit under the deduction's lock.
    return dispute_create(scope=scope, deduction_id=deduction.pk, reason=reason, files=files, actor=actor, documents=[packet, *attachments])
