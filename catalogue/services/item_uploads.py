"""A new-items file confirmed after its dry run: stored by the request, its items proposed by a worker, with a
Job row whose progress the upload's page polls and /api/v1/jobs/<id>/ shows. Proposing 2000 items (their
rows and 10,000 audit rows) takes longer than a request may.

    item_proposal_upload(scope=..., file_name=..., content=..., actor=...)  -> (ItemProposalUpload, Job)   the request's half
    item_proposal_upload_run(job_id=...)                                                                  the worker's half
    item_uploads_purge(older_than=...)                                                                    the files, once done with

The worker reads the file again and proposes every item in one transaction (`item_proposals_create`, which
checks them again under the vendor's lock): all of them, or none when anything changed since the dry run (a
GTIN another file took meanwhile), and then the upload keeps every problem by row and column."""

from __future__ import annotations

import datetime
import hashlib

from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vendor_portal.errors import DomainValidationError
from vendor_portal.models import Job, Marketplace
from vendor_portal.services.audit import Actor, audit_record
from vendor_portal.services.exports import _scope_from_params, _scope_params
from vendor_portal.services.jobs import job_claim, job_enqueue_on_commit, job_fail, job_in_progress, job_progress, job_progress_seen, job_succeed
from vendor_portal.services.retention import file_bytes_purge
from vendor_portal.tenancy import Scope

from ..models import ItemProposalUpload, ItemUploadStatus
from ._common import require_proposer
from .item_batches import item_proposals_create

ITEM_UPLOAD_JOB_KIND = "item_proposal_upload"
UPLOAD_TARGET = "catalogue.itemproposalupload"
SUMMARY_ERRORS = 10  # the job's message names this many problems; the upload keeps them all


def item_proposal_upload(*, scope: Scope, file_name: str, content: bytes, actor: Actor, language: str = "") -> tuple[ItemProposalUpload, Job]:
    """Store a checked file and queue the job that proposes its items as the uploader (their role and token
    scopes). The same file confirmed again while its job is queued or running (a double click, a retried
    request) gets that job back instead of a second one."""
    from ..tasks import propose_uploaded_items

    require_proposer(scope)
    sha256 = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        with connection.cursor() as cursor:  # one confirm at a time per vendor, so a double click finds the first
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"item-upload:{scope.vendor.pk}"])
        for earlier in ItemProposalUpload.objects.for_vendor(scope.vendor).filter(status=ItemUploadStatus.RECEIVED, sha256=sha256).defer("content"):
            running = job_in_progress(vendor=scope.vendor, kind=ITEM_UPLOAD_JOB_KIND, target=earlier)
            if running is not None:
                return earlier, running
        upload = ItemProposalUpload.objects.create(
            vendor=scope.vendor, file_name=(file_name or "")[:200], content=content, sha256=sha256, created_by=actor.user
        )
        audit_record(actor=actor, action="item_proposal_upload.create", obj=upload, after={"file_name": upload.file_name, "size": len(content)})
        job = Job.objects.create(
            vendor=scope.vendor,
            kind=ITEM_UPLOAD_JOB_KIND,
            target_type=UPLOAD_TARGET,
            target_id=str(upload.pk),
            params={
                "scope": _scope_params(scope),
                **actor.job_params(),
                "language": language or translation.get_language() or "",
            },
            created_by=actor.user,
        )
        job_enqueue_on_commit(job_id=job.pk, task=propose_uploaded_items)
    return upload, job


def item_proposal_upload_run(*, job_id, redelivered: bool = False) -> Job | None:
    """Propose the upload's items once: a redelivered job whose transaction committed finds the upload
    processed and just finishes; one that died mid-way rolled back and starts again."""
    job = job_claim(job_id=job_id, redelivered=redelivered)
    if job is None:
        return None
    params = job.params
    actor = Actor.from_job_params(params)
    upload = ItemProposalUpload.objects.get(pk=job.target_id)
    if upload.status == ItemUploadStatus.RECEIVED:
        with translation.override(params.get("language") or None):  # row errors in the uploader's language
            _propose(job_id=job_id, upload=upload, scope=_scope_from_params(params["scope"]), actor=actor)
    if upload.status == ItemUploadStatus.PROPOSED:
        message = ngettext(
            "%(n)s new item submitted; the buyer has been told.", "%(n)s new items submitted; the buyer has been told.", upload.proposed_count
        ) % {"n": upload.proposed_count}
        Job.objects.filter(pk=job_id).update(message=message)
        job_succeed(job_id=job_id, result=None, done=upload.proposed_count)
    else:
        job_fail(job_id=job_id, message=_refusal_summary(upload.errors))
    return Job.objects.get(pk=job_id)


def _propose(*, job_id, upload: ItemProposalUpload, scope: Scope, actor: Actor) -> None:
    from ..item_imports import UploadError, parse_item_proposals

    codes = list(Marketplace.objects.order_by("code").values_list("code", flat=True))
    content = bytes(upload.content)
    try:
        # The cells only: item_proposals_create checks the items under the vendor's lock.
        result = parse_item_proposals(upload.file_name, content, scope=scope, marketplace_codes=codes, check=False)
    except UploadError as error:
        _refuse(upload, actor, [{"row": None, "column": "file", "title": "", "code": "invalid_file", "message": error.message}])
        return
    upload.row_count = result.row_count
    job_progress(job_id=job_id, done=0, total=result.row_count)
    if result.ok:
        try:
            created = item_proposals_create(
                scope=scope,
                items=result.items,
                actor=actor,
                progress=lambda done: job_progress_seen(job_id=job_id, done=done),
            )
        except DomainValidationError:
            # Something changed since the dry run (a GTIN or SKU taken meanwhile): the file's problems as they are now.
            result = parse_item_proposals(upload.file_name, content, scope=scope, marketplace_codes=codes)
        else:
            upload.status, upload.proposed_count, upload.errors = ItemUploadStatus.PROPOSED, len(created), []
            rows = [row for row in result.rows if row.data is not None]  # in the order item_proposals_create made them
            upload.proposals = [{"row": row.row, "id": proposal.pk} for row, proposal in zip(rows, created, strict=True)]
            upload.processed_at = timezone.now()
            with transaction.atomic():
                upload.save(update_fields=["status", "row_count", "proposed_count", "errors", "proposals", "processed_at"])
                audit_record(actor=actor, action="item_proposal_upload.proposed", obj=upload, after={"proposed": len(created)})
            return
    errors = [{"row": e.row, "column": e.column, "title": e.title, "code": e.code, "message": e.message} for e in result.errors]
    _refuse(upload, actor, errors or [{"row": None, "column": "file", "title": "", "code": "required", "message": _("The file has no items.")}])


def _refuse(upload: ItemProposalUpload, actor: Actor, errors: list[dict]) -> None:
    upload.status, upload.errors, upload.processed_at = ItemUploadStatus.REFUSED, errors, timezone.now()
    with transaction.atomic():
        upload.save(update_fields=["status", "row_count", "errors", "processed_at"])
        audit_record(actor=actor, action="item_proposal_upload.refused", obj=upload, after={"errors": len(errors)})


def _refusal_summary(errors: list[dict]) -> str:
    """The job's message: how many problems, the first few by row and column, and that nothing was saved."""
    shown = [
        _("Row %(row)s, %(column)s: %(message)s") % {"row": e["row"], "column": e["title"] or e["column"], "message": e["message"]}
        if e.get("row")
        else e["message"]
        for e in errors[:SUMMARY_ERRORS]
    ]
    more = len(errors) - len(shown)
    head = ngettext("%(n)s problem; nothing was saved.", "%(n)s problems; nothing was saved.", len(errors)) % {"n": len(errors)}
    tail = [ngettext("… and %(n)s more.", "… and %(n)s more.", more) % {"n": more}] if more else []
    return " ".join([head, *shown, *tail])


def upload_job(upload: ItemProposalUpload) -> Job | None:
    """The latest job that proposes the upload's items."""
    return Job.objects.filter(kind=ITEM_UPLOAD_JOB_KIND, target_type=UPLOAD_TARGET, target_id=str(upload.pk)).order_by("-created_at").first()


__all__ = ["ITEM_UPLOAD_JOB_KIND", "item_proposal_upload", "item_proposal_upload_run", "upload_job"]


def item_uploads_purge(*, older_than: datetime.timedelta) -> int:
    """Drop the bytes of files processed more than `older_than` ago: nothing reads a file again once its items are
    proposed or refused, and the upload keeps its outcome (rows, proposals, errors). Returns how many."""
    done = ItemProposalUpload.objects.exclude(status=ItemUploadStatus.RECEIVED).filter(processed_at__lt=timezone.now() - older_than)
    return file_bytes_purge(done, action="item_proposal_upload.file_purged")
