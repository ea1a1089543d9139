"""Domain errors. The API maps them to structured 4xx bodies, the HTML layer to a message on the page."""
from django.utils.translation import gettext_lazy as _


class PortalError(Exception):
    code = "invalid"
    status = 400
    default_message = _("The request could not be processed.")

    def __init__(self, message=None, *, field: str | None = None, errors: list[dict] | None = None):
        self.message = str(message or self.default_message)
        self.field = field
        # Several problems at once, each {"code", "message", "field"}: e.g. one per PO line.
        self.errors = errors or []
        super().__init__(self.message)

    def as_error_list(self) -> list[dict]:
        if self.errors:
            return [{"code": e.get("code", self.code), "message": str(e["message"]), "field": e.get("field")} for e in self.errors]
        return [{"code": self.code, "message": self.message, "field": self.field}]


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


class SelfApprovalError(ForbiddenError):
    code = "self_approval"
    default_message = _("You cannot approve your own request: a second person must check it.")


class AuditImmutableError(PortalError):
    code = "audit_immutable"
    status = 405
    default_message = _("The audit trail is append-only: its entries cannot be changed or deleted.")
