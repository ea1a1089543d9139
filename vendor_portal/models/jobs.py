import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vendor_portal.tenancy import VendorScopedQuerySet


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")  # waiting for a worker
    RUNNING = "running", _("Running")  # a worker has it; progress moves
    SUCCEEDED = "succeeded", _("Done")  # finished; the document is ready
    FAILED = "failed", _("Failed")  # gave up after retries; message says why


class Job(models.Model):
    """Long work done by a Celery worker (labels, documents, imports), with progress the UI shows."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(_("kind"), max_length=50)
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.ForeignKey("vendor_portal.Document", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    attempts = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # A running job's worker touches this every few seconds (vendor_portal.tasks.JobHeartbeat); a job whose
    # heartbeat stopped lost its worker, and services.jobs.job_sweep_stale queues it again.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The Celery task that runs the job (set by vendor_portal.tasks.run_job), which the sweep sends again.
    task_name = models.CharField(max_length=200, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = VendorScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(status__in=JobStatus.values), name="job_status_valid")]
        indexes = [
            # the per-vendor count of running jobs (job_claim) and the sweep of stale heartbeats
            models.Index(fields=["vendor", "heartbeat_at"], name="job_running", condition=Q(status="running")),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(100 * self.progress_done / self.progress_total))

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)


def document_upload_to(instance: "Document", filename: str) -> str:
    return f"documents/{instance.vendor_id or 'retailer'}/{instance.kind}/{instance.key}"


class Document(models.Model):
    """A stored file: generated PDF/A (labels, packing list, invoice, remittance) or a vendor upload."""

    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(_("kind"), max_length=50)
    key = models.CharField(max_length=200, help_text="deterministic storage name")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(upload_to=document_upload_to, max_length=400)
    content_type = models.CharField(max_length=100, default="application/pdf")
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VendorScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title
