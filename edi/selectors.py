"""Reads of EDI interchanges for the screens and the API. Every read goes through `visible_to(scope)`."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import JSONField
from django.db.models.expressions import RawSQL

from .models import Interchange

# The heavy columns: the raw X12 (up to EDI_MAX_UPLOAD_BYTES) and the problem list (one per bad segment). A list
# reads neither (it shows problem_count and first_problem); the detail pages the problems, the download streams the file.
HEAVY_FIELDS = ("content", "problems")
PROBLEMS_PAGE_SIZE = 100


def interchange_summaries(queryset):
    """Interchanges as a list shows them: with their vendor, without the raw file and the problems."""
    return queryset.select_related("vendor").defer(*HEAVY_FIELDS)


def interchange_list(*, scope, direction: str = "", status: str = ""):
    """The interchanges the scope may see, newest first, optionally of one direction and status."""
    queryset = interchange_summaries(Interchange.objects.visible_to(scope)).order_by("-created_at", "-id")
    if direction:
        queryset = queryset.filter(direction=direction)
    if status:
        queryset = queryset.filter(status=status)
    return queryset


@dataclass
class ProblemPage:
    """One page of an interchange's problems, sliced out of the JSON by PostgreSQL."""

    problems: list[dict]
    number: int
    page_size: int
    count: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number * self.page_size < self.count

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.page_size + 1 if self.problems else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.page_size + len(self.problems)

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.page_size))


def interchange_problem_page(*, interchange: Interchange, number: int = 1, page_size: int = PROBLEMS_PAGE_SIZE) -> ProblemPage:
    """Problems `(number - 1) * page_size` on of an interchange read without its problems (a page past the
    end is empty); only that slice leaves the database."""
    number = max(1, number)
    start = (number - 1) * page_size
    path = f"$[{start} to {start + page_size - 1}]"
    sliced = (
        Interchange.objects.filter(pk=interchange.pk)
        .annotate(page=RawSQL('jsonb_path_query_array("edi_interchange"."problems", %s::jsonpath)', (path,), output_field=JSONField()))
        .values_list("page", flat=True)
        .first()
    )
    return ProblemPage(problems=sliced or [], number=number, page_size=page_size, count=interchange.problem_count)
