"""Domain errors. The API maps them to structured 4xx bodies, the HTML layer to a message on the page.

A service that checks many things at once (every line of a confirmation, an invoice, a ship plan) raises
one error carrying a `FieldError` per problem. A FieldError names the input item by the `ref` the door
gave it (input dataclasses carry a `ref`) and the service's own field name on that item, so each door
puts the problem where its caller will look without parsing anything back:

    # the door builds the input, giving each line its own reference
    lines = [LineConfirmation(sequence=..., accepted=..., ref=f"lines[{i}]") for i, line in enumerate(body["lines"])]
    # the service checks it
    errors.append(field_error(line.ref, "accepted", _("Quantities cannot be negative.")))
    # the door renders it: the own API by default as "lines[2].accepted", another door with its own locator
    error.as_error_list(locate=lambda ref, field: amazon_paths[ref] + AMAZON_FIELDS[field])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FieldError:
    """One problem with one field of the input. `ref` is the door's reference of the input item (None: the
    request as a whole, its header fields); `field` the service's name of the field on it (None: the item);
    `data` facts a door may show in its own shape (e.g. the `sequence` of a PO line nobody confirmed)."""

    ref: object
    field: str | None
    code: str
    message: str
    data: dict = dataclass_field(default_factory=dict, compare=False, hash=False)


def default_location(ref, field: str | None) -> str | None:
    """Where the own API and the screens put a problem: "lines[2].accepted", "ship_date", "lines[2]"."""
    if ref is None:
        return field
    return f"{ref}.{field}" if field else str(ref)


def field_error(ref, field: str | None, message, code: str = "invalid", **data) -> FieldError:
    return FieldError(ref=ref, field=field, code=code, message=str(message), data=data)


def with_refs(items, collection: str) -> list[tuple[object, object]]:
    """Each input item with its reference: the one its door gave it (`item.ref`), else its position in the
    input the way the own API names it (`lines[2]`), for callers in-process (tasks, seeds, tests)."""
    return [(item.ref if getattr(item, "ref", None) is not None else f"{collection}[{index}]", item) for index, item in enumerate(items)]


Locator = Callable[[object, "str | None"], "str | None"]


def error_list(errors: list[FieldError], locate: Locator = default_location) -> list[dict]:
    """Field errors as a door shows them: {"code", "message", "field"}, each at the location `locate` gives."""
    return [{"code": e.code, "message": str(e.message), "field": locate(e.ref, e.field)} for e in errors]


class PortalError(Exception):
    code = "invalid"
    status = 400
    default_message = _("The request could not be processed.")

    def __init__(self, message=None, *, field: str | None = None, errors: list[FieldError] | None = None):
        self.message = str(message or self.default_message)
        self.field = field
        # Several problems at once: e.g. one per PO line.
        self.errors = list(errors or [])
        if not all(isinstance(error, FieldError) for error in self.errors):
            raise TypeError("PortalError(errors=...) takes FieldErrors: build them with field_error().")
        super().__init__(self.message)

    def field_errors(self) -> list[FieldError]:
        """The problems, at least one: the error itself when it names no field problems."""
        if not self.errors:
            return [FieldError(ref=None, field=self.field, code=self.code, message=self.message)]
        return list(self.errors)

    def as_error_list(self, locate: Locator = default_location) -> list[dict]:
        return error_list(self.field_errors(), locate)


class DomainValidationError(PortalError):
    code = "invalid"


class NotFoundError(PortalError):
    code = "not_found"
    status = 404
    default_message = _("Not found.")


class ForbiddenError(PortalError):
    code = "forbidden"
    status = 403
    default_message = _("You do not have permission to do this.")


class InvalidTransitionError(PortalError):
    code = "invalid_state"
    status = 409
    default_message = _("This action is not possible in the document's current state.")


class ConflictError(PortalError):
    code = "conflict"
    status = 409
    default_message = _("This conflicts with the current state.")


class IdempotencyKeyReused(PortalError):
    code = "idempotency_key_reused"
    status = 422
    default_message = _("This Idempotency-Key was already used for a different request.")


class SelfApprovalError(ForbiddenError):
    code = "self_approval"
    default_message = _("You cannot approve your own request: a second person must check it.")


class CheckerNotEstablishedError(ForbiddenError):
    """The checker joined the vendor after the request, or the requester let them in just before it: a
    second account the requester controls must not pass for a second person."""

    code = "checker_not_established"
    default_message = _("You cannot approve this request: it must be checked by someone who was on the team before it was made.")


class AuditImmutableError(PortalError):
    code = "audit_immutable"
    status = 405
    default_message = _("The audit trail is append-only: its entries cannot be changed or deleted.")
