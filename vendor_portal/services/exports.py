"""List exports at any size: a CSV streams from the request; an XLSX (or a CSV someone would rather
collect later) is written by a worker into a Document, with progress on its Job.

Each app describes its lists once (`ListExport`: which rows, which columns) and registers them in its
AppConfig.ready(); the screens, the job and the worker all read them from here.

- `register_export(export)` / `export_for(name)`
- `export_csv_response(export, *, scope, params)` — the streaming CSV of the list as the page filters it.
- `export_request(*, scope, export, params, file_format, actor)` — queue the export job; returns the Job.
- `export_run(*, job_id, redelivered=False)` — the job's work (the Celery task calls it).
- `export_job_filters(job)` — the filters the job was asked with, as a QueryDict.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from django.db import transaction
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from vendor_portal import tables
from vendor_portal.errors import ForbiddenError, NotFoundError
from vendor_portal.models import Job, Vendor
from vendor_portal.services.audit import Actor
from vendor_portal.services.documents import document_store
from vendor_portal.services.jobs import job_claim, job_enqueue_on_commit, job_progress, job_succeed
from vendor_portal.tenancy import Scope

EXPORT_JOB_KIND = "export"
FORMATS = {"csv": tables.CSV_CONTENT_TYPE, "xlsx": tables.XLSX_CONTENT_TYPE}
PROGRESS_EVERY = 5000  # rows between two progress updates of the job
# Parameters of the page that say which page, not which rows.
NOT_FILTERS = ("page", "cursor", "csrfmiddlewaretoken")


def _row_count(queryset) -> int:
    return queryset.count()


@dataclass(frozen=True)
class ListExport:
    name: str  # stored in the job: "purchase_orders"
    title: str  # lazy; the sheet's and the job page's title: "Purchase orders"
    action: str  # the Action that lets someone see the list
    filename: str  # without date or extension: "purchase-orders"
    list_url: str  # URL name of the list page, where an export is started and returned to
    csv_url: str  # URL name of the list's export.csv (GET streams it, POST queues a CSV job)
    # The list's rows (a QuerySet) as its page filters and orders them: (*, scope, params) -> QuerySet.
    # Filters that cannot be applied raise DomainValidationError.
    rows: Callable
    # The columns and the row values of those rows: (queryset) -> tables.Sheet; the Sheet's rows iterate
    # the queryset lazily (`.iterator(chunk_size=tables.EXPORT_CHUNK_ROWS)`, plain values where it can),
    # never a list, and show choices through `tables.choice_labels`.
    sheet: Callable
    # How many rows the sheet will have, for the progress bar: (queryset) -> int.
    count: Callable = _row_count


_EXPORTS: dict[str, ListExport] = {}


def register_export(export: ListExport) -> ListExport:
    _EXPORTS[export.name] = export
    return export


def export_for(name: str) -> ListExport:
    try:
        return _EXPORTS[name]
    except KeyError:
        raise NotFoundError(_("There is no such export.")) from None


def _timestamped(export: ListExport) -> str:
    return f"{export.filename}-{timezone.localtime():%Y%m%d-%H%M}"


def export_csv_response(export: ListExport, *, scope, params):
    """The whole filtered list as a streaming CSV (see `tables.csv_stream_response`)."""
    sheet = export.sheet(export.rows(scope=scope, params=params))
    return tables.csv_stream_response(sheet.header, sheet.rows, _timestamped(export))


# The job ------------------------------------------------------------------------------------------
def _scope_params(scope: Scope) -> dict:
    return {
        "vendor_id": scope.vendor_id,
        "roles": sorted(scope.roles),
        "marketplace_ids": sorted(scope.marketplace_ids) if scope.marketplace_ids is not None else None,
        "is_retailer": scope.is_retailer,
        "token_scopes": sorted(scope.token_scopes) if scope.token_scopes is not None else None,
    }


def _scope_from_params(data: dict) -> Scope:
    """The scope of the person who asked, as it was then: the worker sees exactly what they saw."""
    vendor = Vendor.objects.get(pk=data["vendor_id"]) if data["vendor_id"] is not None else None
    return Scope(
        vendor=vendor,
        roles=frozenset(data["roles"]),
        marketplace_ids=frozenset(data["marketplace_ids"]) if data["marketplace_ids"] is not None else None,
        is_retailer=data["is_retailer"],
        token_scopes=frozenset(data["token_scopes"]) if data["token_scopes"] is not None else None,
    )


def _filters(params) -> dict[str, list[str]]:
    lists = params.lists() if hasattr(params, "lists") else ((key, value if isinstance(value, list) else [value]) for key, value in params.items())
    return {key: [str(value) for value in values] for key, values in lists if key not in NOT_FILTERS}


def _query_dict(filters: dict[str, list[str]]) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, values in filters.items():
        query.setlist(key, values)
    return query


def export_job_filters(job: Job) -> QueryDict:
    """The filters an export job was asked with, as the page's query."""
    return _query_dict(job.params.get("filters", {}))


def export_request(*, scope, export: ListExport, params, file_format: str, actor: Actor) -> Job:
    """Queue the export of the list as the page shows it (its filters and order) to a file of `file_format`.

    The job keeps the asker's scope, language and time zone, so the file holds exactly the rows and words
    they would see; filters that cannot be applied are refused now, not in the worker."""
    from vendor_portal.tasks import run_export

    if file_format not in FORMATS:
        raise NotFoundError(_("There is no such export format."))
    if not scope.can(export.action):
        raise ForbiddenError(_("Your role does not allow this export."))
    filters = _filters(params)
    export.rows(scope=scope, params=_query_dict(filters))  # builds the query only: bad filters raise here
    with transaction.atomic():
        job = Job.objects.create(
            vendor=scope.vendor,
            kind=EXPORT_JOB_KIND,
            target_type=EXPORT_JOB_KIND,
            target_id=export.name,
            params={
                "export": export.name,
                "format": file_format,
                "filters": filters,
                "scope": _scope_params(scope),
                "language": translation.get_language() or "",
                "timezone": timezone.get_current_timezone_name(),
                "filename": _timestamped(export),
            },
            created_by=actor.user,
        )
        job_enqueue_on_commit(job_id=job.pk, task=run_export)
    return job


def _reporting(rows: Iterable, job_id, written: list[int]) -> Iterable:
    """Pass the rows through, counting them in `written[0]` and telling the job every PROGRESS_EVERY."""
    for row in rows:
        yield row
        written[0] += 1
        if written[0] % PROGRESS_EVERY == 0:
            job_progress(job_id=job_id, done=written[0])


def export_run(*, job_id, redelivered: bool = False) -> Job | None:
    """Write the export's file (openpyxl write-only or CSV) to a temporary file, reporting progress as the
    rows go by, then store it as the Document the job's page links to (vendor None for a retailer's)."""
    job = job_claim(job_id=job_id, redelivered=redelivered)
    if job is None:
        return None
    params = job.params
    export = export_for(params["export"])
    file_format = params["format"]
    with translation.override(params["language"] or None), timezone.override(params["timezone"]):
        scope = _scope_from_params(params["scope"])
        queryset = export.rows(scope=scope, params=_query_dict(params["filters"]))
        job_progress(job_id=job_id, done=0, total=export.count(queryset))
        sheet = export.sheet(queryset)
        written = [0]
        sheet = replace(sheet, rows=_reporting(sheet.rows, job_id, written))
        filename = f"{params['filename']}.{file_format}"
        title = _("%(list)s export (%(format)s)") % {"list": export.title, "format": file_format.upper()}
        with tempfile.TemporaryDirectory(prefix="export-job-") as workdir:
            path = os.path.join(workdir, slugify(params["filename"]) or "export")
            if file_format == "xlsx":
                tables.xlsx_write(path, [sheet])
            else:
                with open(path, "wb") as target:
                    tables.csv_write(target, sheet.header, sheet.rows)
            document = document_store(
                vendor=job.vendor,
                kind=EXPORT_JOB_KIND,
                key=f"{job.pk}/{filename}",
                title=title,
                source_path=path,
                target=job,
                content_type=FORMATS[file_format],
                uploaded_by=job.created_by,
            )
    job_succeed(job_id=job_id, result=document, done=written[0])
    return Job.objects.get(pk=job_id)
