"""Navigation by role and the home page's "what needs me". Apps register their entries in ready()."""
from dataclasses import dataclass
from typing import Callable

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
    """A count on the home page: e.g. POs waiting for confirmation. `count(request, scope)` -> int."""

    label: str
    url: str
    action: str | None
    count: Callable
    order: int = 100
    side: str = "both"


NAV_ITEMS: list[NavItem] = []
NEEDS_ME: list[NeedsMe] = []


def register_nav(item: NavItem) -> None:
    if item not in NAV_ITEMS:
        NAV_ITEMS.append(item)
        NAV_ITEMS.sort(key=lambda i: i.order)


def register_needs_me(item: NeedsMe) -> None:
    if all(existing.label != item.label for existing in NEEDS_ME):
        NEEDS_ME.append(item)
        NEEDS_ME.sort(key=lambda i: i.order)


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
        cards.append({"label": item.label, "url": item.url, "count": item.count(request, scope)})
    return cards
