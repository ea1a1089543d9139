"""Helpers for tests of list exports: run an export job the way the list's button does and fetch its file."""

import io

from django.test import TestCase
from openpyxl import load_workbook

from vendor_portal.models import Job, JobStatus


def export_job(client, url: str, **extra) -> Job:
    """POST the export URL (as the list's button does, without htmx) and run the queued job: Celery is
    eager in the test settings and the job is sent on commit."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, **extra)
    assert response.status_code == 302, response.content[:500]
    assert response.url.startswith("/exports/"), response.url
    return Job.objects.select_related("result").get(pk=response.url.strip("/").rsplit("/", 1)[-1])


def job_file(client, job: Job) -> bytes:
    """The job's stored file through the permission-checked document download."""
    assert job.status == JobStatus.SUCCEEDED, job.message
    response = client.get(f"/api/v1/documents/{job.result_id}/download")
    assert response.status_code == 200
    return response.getvalue()


def exported_sheet_rows(client, url: str, **extra) -> list[tuple]:
    """The rows (header first) of the first sheet of the XLSX an export URL's job writes."""
    workbook = load_workbook(io.BytesIO(job_file(client, export_job(client, url, **extra))))
    return list(workbook.worksheets[0].iter_rows(values_only=True))
