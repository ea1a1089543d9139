"""The screens' side of list exports, shared by every list: the streaming CSV, the export job (started
from the list, or from its own page for a bookmarked link) and the job's progress and download.

An app's export views are one line each: `export_csv(request, exports.PURCHASE_ORDERS)` for GET
export.csv, `export_job_start(request, exports.PURCHASE_ORDERS, "xlsx")` for export.xlsx."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from vendor_portal.decorators import portal_view
from vendor_portal.document_access import job_readable_or_404
from vendor_portal.errors import DomainValidationError, PortalError
from vendor_portal.models import Job
from vendor_portal.services.audit import Actor
from vendor_portal.services.exports import EXPORT_JOB_KIND, ListExport, export_csv_response, export_for, export_job_filters, export_request

JOB_FRAGMENT = "vendor_portal/_export_job.html"


def _list_page(export: ListExport, query) -> str:
    query = query.copy()
    for key in ("page", "cursor"):
        query.pop(key, None)
    return f"{reverse(export.list_url)}?{query.urlencode()}" if query else reverse(export.list_url)


def export_csv(request, export: ListExport):
    """GET: the list as the page filters it, streamed as CSV. POST: the same file written by a job."""
    if request.method == "POST":
        return export_job_start(request, export, "csv")
    try:
        return export_csv_response(export, scope=request.scope, params=request.GET)
    except DomainValidationError as error:
        messages.error(request, error.message)
        return redirect(_list_page(export, request.GET))


def export_job_start(request, export: ListExport, file_format: str):
    """POST queues the export job: htmx gets the progress in place, a plain form the job's page. GET (a
    link someone kept) shows the button that starts it, with the same filters."""
    if request.method != "POST":
        return render(
            request,
            "vendor_portal/export_start.html",
            {"export": export, "file_format": file_format, "query": request.GET.urlencode(), "list_page": _list_page(export, request.GET)},
        )
    try:
        job = export_request(scope=request.scope, export=export, params=request.GET, file_format=file_format, actor=Actor.from_request(request))
    except PortalError as error:
        if request.htmx:
            return render(request, JOB_FRAGMENT, {"error": error.message})
        messages.error(request, error.message)
        return redirect(_list_page(export, request.GET))
    if request.htmx:
        return render(request, JOB_FRAGMENT, {"job": job, "export": export})
    return redirect("export_job", pk=job.pk)


@portal_view(None)
def export_job(request, pk):
    """The export's progress and, once written, its download; htmx polls the fragment every second until
    the job is finished. An export is its asker's own: anyone else gets a 404."""
    job = job_readable_or_404(
        scope=request.scope,
        user=request.user,
        pk=pk,
        queryset=Job.objects.select_related("result").filter(kind=EXPORT_JOB_KIND, created_by=request.user),
    )
    export = export_for(job.params.get("export", ""))
    context = {"job": job, "export": export, "list_page": _list_page(export, export_job_filters(job))}
    return render(request, JOB_FRAGMENT if request.htmx else "vendor_portal/export_job.html", context)
