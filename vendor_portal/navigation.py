"""Navigation by role, the home page's "what needs me" and the panels one app adds to another's detail page.
Apps register their entries in ready()."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    action: str | None  # roles.Action a person needs to see the entry
    order: int = 100
    side: str = "both"  # "vendor", "retailer" or "both"


@dataclass(frozen=True)
class NeedsMe:
    """A count on the home page: e.g. POs waiting for confirmation. `count(request, scope)` -> int;
    `url` a path, or `url(scope)` -> path when people of different roles look at it in different places."""

    label: str
    url: str | Callable
    action: str | None
    count: Callable
    order: int = 100
    side: str = "both"


@dataclass(frozen=True)
class DetailPanel:
    """A section on another app's detail page (e.g. the 3-way match on an invoice), so that app need not
    know about this one. `context(request, scope, obj)` -> dict, or None when there is nothing to show;
    the page includes `template` with that dict as `panel`."""

    page: str
    template: str
    action: str | None
    context: Callable
    order: int = 100


NAV_ITEMS: list[NavItem] = []
NEEDS_ME: list[NeedsMe] = []
DETAIL_PANELS: list[DetailPanel] = []


def register_nav(item: NavItem) -> None:
    if item not in NAV_ITEMS:
        NAV_ITEMS.append(item)
        NAV_ITEMS.sort(key=lambda i: i.order)


def register_needs_me(item: NeedsMe) -> None:
    if all(existing.label != item.label for existing in NEEDS_ME):
        NEEDS_ME.append(item)
        NEEDS_ME.sort(key=lambda i: i.order)


def register_detail_panel(panel: DetailPanel) -> None:
    if all((existing.page, existing.template) != (panel.page, panel.template) for existing in DETAIL_PANELS):
        DETAIL_PANELS.append(panel)
        DETAIL_PANELS.sort(key=lambda p: p.order)


def detail_panels_for(page: str, request, scope, obj) -> list[dict]:
    panels = []
    for panel in DETAIL_PANELS:
        if panel.page != page or scope is None or (panel.action and not scope.can(panel.action)):
            continue
        context = panel.context(request, scope, obj)
        if context is not None:
            panels.append({"template": panel.template, "context": context})
    return panels


def _side_matches(side: str, scope) -> bool:
    return side == "both" or (side == "retailer") == scope.is_retailer


def navigation_for(scope, current_path: str = "") -> list[dict]:
    if scope is None:
        return []
    items = []
    for item in NAV_ITEMS:
        if not _side_matches(item.side, scope) or (item.action and not scope.can(item.action)):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": item.label, "url": url, "active": False})
    # The entry whose URL is the longest prefix of the page is the one we are in
    # (so /payments/deductions/ lights "Deductions", not also "Payments").
    matches = [i for i in items if (current_path.startswith(i["url"]) if i["url"] != "/" else current_path == "/")]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    return items


def needs_me_for(request, scope) -> list[dict]:
    cards = []
    for item in NEEDS_ME:
        if not _side_matches(item.side, scope) or (item.action and not scope.can(item.action)):
            continue
        url = item.url(scope) if callable(item.url) else item.url
        cards.append({"label": item.label, "url": url, "count": item.count(request, scope)})
    return cards
