"""Reads of EDI interchanges for the screens and the API. Every read goes through `visible_to(scope)`."""

from __future__ import annotations

from .models import Interchange


def without_content(queryset):
    """Interchanges as a list shows them: with their vendor, without the raw file (up to 5 MB each; the detail
    page and the download read it)."""
    return queryset.select_related("vendor").defer("content")


def interchange_list(*, scope, direction: str = "", status: str = ""):
    """The interchanges the scope may see, newest first, optionally of one direction and status."""
    queryset = without_content(Interchange.objects.visible_to(scope)).order_by("-created_at", "-id")
    if direction:
        queryset = queryset.filter(direction=direction)
    if status:
        queryset = queryset.filter(status=status)
    return queryset
