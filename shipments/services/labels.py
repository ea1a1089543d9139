"""Carton and pallet labels: the label job (requested, claimed by a worker, rendered and stored), labels
rendered on request for a small shipment, and labels outdated by a change of the ship plan."""

from __future__ import annotations

import hashlib
import os

from django.db import transaction
from django.utils.translation import gettext as _

from vendor_portal.errors import ConflictError, DomainValidationError, InvalidTransitionError, NotFoundError
from vendor_portal.models import Document, Job
from vendor_portal.services.audit import Actor, audit_record
from vendor_portal.services.documents import document_store
from vendor_portal.services.jobs import job_claim, job_enqueue_on_commit, job_fail, job_in_progress, job_progress, job_succeed

from ..models import Shipment, ShipmentState
from ._common import _shipment_for_update

LABELS_JOB_KIND = "shipment_labels"
LABELS_SYNC_MAX = 300  # labels rendered inside a request; bigger shipments go through the label job


def _labels_outdate(shipment: Shipment, actor: Actor) -> None:
    """Labels printed (or being printed) from the shipment before this change no longer match it.

    A draft's stored labels PDF is dropped, so nobody downloads it again and the next request renders
    fresh labels (same SSCCs by carton index); its file goes once the change commits. A submitted ASN's
    PDF stays as the record of what its revision carried: a Replace ASN gets its own revision's labels.
    The `shipment.labels_outdate` audit row is what the screens read to say the labels are out of date."""
    documents = list(Document.objects.filter(vendor=shipment.vendor, kind=LABELS_JOB_KIND, key=shipment.labels_key))
    jobs = Job.objects.filter(vendor=shipment.vendor, kind=LABELS_JOB_KIND, target_type=shipment._meta.label_lower, target_id=str(shipment.pk))
    if not documents and not jobs.exists():
        return
    audit_record(
        actor=actor,
        action="shipment.labels_outdate",
        obj=shipment,
        before={"asn_revision": shipment.asn_revision, "documents": [{"id": d.pk, "sha256": d.sha256} for d in documents]},
        after={"dropped": [d.pk for d in documents] if shipment.is_editable else []},
    )
    if not shipment.is_editable:
        return
    for document in documents:
        storage, name = document.file.storage, document.file.name
        document.delete()
        if name:
            transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))


def shipment_labels_request(*, scope, shipment_id, actor: Actor) -> Job:
    """Queue label generation for every carton and pallet; the worker reports progress on the Job.

    While the shipment's labels are being rendered, asking again hands back that job (`job.already_running`
    is True) instead of starting a second one: the running job prints what the shipment says when it
    stores its file, edits made meanwhile included."""
    from ..tasks import render_shipment_labels

    with transaction.atomic():
        shipment = _shipment_for_update(scope, shipment_id)
        if shipment.state == ShipmentState.CANCELLED:
            raise InvalidTransitionError(_("A cancelled shipment has no labels."))
        cartons, pallets = shipment.cartons.count(), shipment.pallets.count()
        if not cartons:
            raise DomainValidationError(_("The shipment has no cartons to label."))
        running = job_in_progress(vendor=shipment.vendor, kind=LABELS_JOB_KIND, target=shipment)
        if running is not None:
            running.already_running = True
            return running
        job = Job.objects.create(
            vendor=shipment.vendor,
            kind=LABELS_JOB_KIND,
            target_type=shipment._meta.label_lower,
            target_id=str(shipment.pk),
            progress_total=cartons + pallets,
            params={"asn_revision": shipment.asn_revision},
            created_by=actor.user,
        )
        audit_record(actor=actor, action="shipment.labels_request", obj=shipment, after={"job": str(job.pk), "labels": cartons + pallets})
        job_enqueue_on_commit(job_id=job.pk, task=render_shipment_labels)
    job.already_running = False
    return job


LABELS_RENDER_ATTEMPTS = 3  # prints of one job when the ship plan changes while they run


def _fingerprinted(labels, digest):
    """Pass the labels through, adding each one's content to `digest` (what was printed, or would be)."""
    for label in labels:
        digest.update(repr(label).encode())
        yield label


def _labels_digest(shipment: Shipment) -> bytes:
    """The fingerprint of the labels the shipment gives now, without printing them."""
    from ..selectors import shipment_label_data

    digest = hashlib.sha256()
    for _label in _fingerprinted(shipment_label_data(shipment=shipment), digest):
        pass
    return digest.digest()


def shipment_labels_render(*, job_id, redelivered: bool = False) -> Job | None:
    """The label job's work: every carton mark and pallet label of the shipment into one PDF/A file,
    stored as the shipment's labels document for its ASN revision. Re-running gives the same SSCCs."""
    import tempfile

    from ..labels import render_labels
    from ..selectors import shipment_label_data

    job = job_claim(job_id=job_id, redelivered=redelivered)
    if job is None:
        return None
    shipment = (
        Shipment.objects.select_related("vendor", "marketplace", "ship_to", "ship_from").filter(pk=job.target_id, vendor_id=job.vendor_id).first()
    )
    if shipment is None:
        job_fail(job_id=job_id, message=_("The shipment no longer exists."))
        return None
    total = shipment.cartons.count() + shipment.pallets.count()
    Job.objects.filter(pk=job_id).update(progress_total=total)

    def report_progress(done: int) -> None:  # once per chunk of labels (labels.CHUNK_PAGES)
        job_progress(job_id=job_id, done=done)

    # The ship plan may be edited while its labels print (an edit drops the stored labels but cannot stop
    # this job). The file is stored only if the shipment, locked, still gives exactly the labels printed;
    # otherwise they are printed again from what it says now.
    document = None
    for _attempt in range(LABELS_RENDER_ATTEMPTS):
        printed = hashlib.sha256()
        with tempfile.TemporaryDirectory(prefix="labels-job-") as workdir:
            path = os.path.join(workdir, "labels.pdf")
            title = _("Labels %(id)s") % {"id": shipment.shipment_identifier}
            pages = render_labels(
                _fingerprinted(shipment_label_data(shipment=shipment), printed),
                path,
                language=shipment.marketplace.language,
                title=title,
                progress=report_progress,
            )
            with transaction.atomic():
                current = (
                    Shipment.objects.select_for_update(of=("self",))
                    .select_related("vendor", "marketplace", "ship_to", "ship_from")
                    .filter(pk=shipment.pk)
                    .first()
                )
                if current is None:
                    job_fail(job_id=job_id, message=_("The shipment no longer exists."))
                    return None
                if _labels_digest(current) == printed.digest():
                    document = document_store(
                        vendor=current.vendor,
                        kind=LABELS_JOB_KIND,
                        key=current.labels_key,
                        title=title,
                        source_path=path,
                        target=current,
                        uploaded_by=job.created_by,
                    )
        if document is not None:
            break
        shipment = current
        job_progress(job_id=job_id, done=0, total=shipment.cartons.count() + shipment.pallets.count())
    else:
        job_fail(job_id=job_id, message=_("The ship plan kept changing while its labels were printed. Print them again."))
        return None
    job_succeed(job_id=job_id, result=document, done=pages)
    return Job.objects.get(pk=job_id)


def shipment_labels_document(*, scope, shipment_id, actor: Actor) -> Document:
    """The labels PDF of the shipment's current ASN revision: the stored one, or rendered now through the
    label job's own code when the shipment is small enough (LABELS_SYNC_MAX labels) and stored."""
    import tempfile

    from ..labels import render_labels
    from ..selectors import shipment_label_data

    shipment = Shipment.objects.visible_to(scope).select_related("vendor", "marketplace", "ship_to", "ship_from").filter(pk=shipment_id).first()
    if shipment is None:
        raise NotFoundError(_("Shipment not found."))
    stored = Document.objects.filter(vendor=shipment.vendor, kind=LABELS_JOB_KIND, key=shipment.labels_key).first()
    if stored is not None:
        return stored
    labels = shipment.cartons.count() + shipment.pallets.count()
    if not labels:
        raise DomainValidationError(_("Shipment %(id)s has no cartons to label.") % {"id": shipment.shipment_identifier})
    if labels > LABELS_SYNC_MAX:
        raise ConflictError(
            _("Shipment %(id)s has %(n)s labels, more than are rendered on request (%(max)s): start the label job first.")
            % {"id": shipment.shipment_identifier, "n": labels, "max": LABELS_SYNC_MAX}
        )
    with tempfile.TemporaryDirectory(prefix="labels-sync-") as workdir:
        path = os.path.join(workdir, "labels.pdf")
        title = _("Labels %(id)s") % {"id": shipment.shipment_identifier}
        render_labels(shipment_label_data(shipment=shipment), path, language=shipment.marketplace.language, title=title)
        document = document_store(
            vendor=shipment.vendor,
            kind=LABELS_JOB_KIND,
            key=shipment.labels_key,
            title=title,
            source_path=path,
            target=shipment,
            uploaded_by=actor.user,
        )
    audit_record(
        actor=actor, action="shipment.labels_render", obj=shipment, after={"document": document.pk, "labels": labels, "sha256": document.sha256}
    )
    return document
