"""An interchange uploaded on the screens or the API: checked and stored in the request, read and applied by
a worker, with a Job row whose progress the upload's page polls and /api/v1/jobs/<id>/ shows. No request
parses X12, so no file can hold a web worker.

    edi_upload(scope=..., content=..., actor=..., source=..., filename=...)   -> (Interchange, Job), 413/400 when refused
    edi_upload_run(job_id=...)                                                  the worker's half (edi.tasks.receive_interchange)
"""

from __future__ import annotations

import logging
import time

from django.db import transaction
from django.utils.translation import gettext as _

from vendor_portal.errors import ForbiddenError
from vendor_portal.models import Channel, Job
from vendor_portal.services.audit import Actor
from vendor_portal.services.exports import _scope_from_params, _scope_params
from vendor_portal.services.jobs import job_claim, job_progress_seen, job_succeed
from vendor_portal.tenancy import Scope

from ..models import Interchange
from .inbound import edi_interchange_process, edi_interchange_store

logger = logging.getLogger(__name__)

EDI_RECEIVE_JOB_KIND = "edi_receive"
PROGRESS_EVERY_SECONDS = 1.0
INTERCHANGE_TARGET = "edi.interchange"


def edi_upload(*, scope: Scope, content: bytes | str, actor: Actor, source: str, filename: str = "") -> tuple[Interchange, Job]:
    """Check the limits (InterchangeTooLargeError, TooManyTransactionSetsError), store the interchange and
    queue the job that processes it as the uploader: their scope (roles, token scopes) is checked per set."""
    from edi.tasks import receive_interchange

    if scope.vendor is None:
        raise ForbiddenError(_("EDI files are sent by a vendor."))
    with transaction.atomic():
        interchange = edi_interchange_store(vendor=scope.vendor, content=content, actor=actor, source=source, filename=filename, scope=scope)
        job = Job.objects.create(
            vendor=scope.vendor,
            kind=EDI_RECEIVE_JOB_KIND,
            target_type=INTERCHANGE_TARGET,
            target_id=str(interchange.pk),
            params={"scope": _scope_params(scope), **actor.job_params()},
            created_by=actor.user,
        )
        job_id = str(job.pk)
        transaction.on_commit(lambda: receive_interchange.delay(job_id))
    return interchange, job


def edi_upload_run(*, job_id, redelivered: bool = False) -> Job | None:
    """Process the job's interchange (once: a redelivered job finds it processed and just finishes)."""
    job = job_claim(job_id=job_id, redelivered=redelivered)
    if job is None:
        return None
    params = job.params
    actor = Actor.from_job_params(params, channel=Channel.EDI)

    reported = [float("-inf")]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - reported[0] < PROGRESS_EVERY_SECONDS:
            return
        reported[0] = now
        job_progress_seen(job_id=job_id, done=done, total=total)

    interchange = edi_interchange_process(
        interchange_id=int(job.target_id), actor=actor, scope=_scope_from_params(params["scope"]), progress=progress
    )
    job_succeed(job_id=job_id, result=None, done=interchange.set_count)
    return Job.objects.get(pk=job_id)


def interchange_job(interchange: Interchange) -> Job | None:
    """The latest job that processes an uploaded interchange (none for the folder's or the portal's own)."""
    return (
        Job.objects.filter(kind=EDI_RECEIVE_JOB_KIND, target_type=INTERCHANGE_TARGET, target_id=str(interchange.pk)).order_by("-created_at").first()
    )
