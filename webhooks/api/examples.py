"""Request and response examples of the webhook API, shown in /api/docs/ (vendor ACME's ERP subscribed to PO events)."""

from drf_spectacular.utils import OpenApiExample

SUBSCRIPTION = {
    "id": 7,
    "url": "https://erp.example.com/portal-webhooks",
    "events": ["purchase_order.created", "purchase_order.changed"],
    "description": "SAP production",
    "is_active": True,
    "secret_set_at": "2026-11-27T09:00:00Z",
    "previous_secret_expires_at": None,
    "created_by": "acme-admin",
    "created_at": "2026-11-27T09:00:00Z",
    "updated_at": "2026-11-27T09:00:00Z",
}
SECRET = "whsec_ktE/2gnv236TOyFi42sgLk6q/a8I/Q2alPQLdxv30NU="
DELIVERY = {
    "id": 311,
    "subscription": 7,
    "event": "purchase_order.created",
    "event_id": "5b0f6f0e-4a53-4c0e-9d56-0a3c6a0c2f1e",
    "status": "pending",
    "attempts": 2,
    "response_status_code": 503,
    "last_error": "HTTP 503: Service Unavailable",
    "next_attempt_at": "2026-11-27T09:03:00Z",
    "delivered_at": None,
    "created_at": "2026-11-27T09:00:00Z",
    "resend_of": None,
    "payload": {
        "id": "5b0f6f0e-4a53-4c0e-9d56-0a3c6a0c2f1e",
        "event": "purchase_order.created",
        "version": 2,
        "created_at": "2026-11-27T09:00:00+00:00",
        "vendor": "ACME",
        "data": {
            "object_type": "purchase_orders.purchaseorder",
            "object_id": "4711",
            "reference": "4Z32PABC",
            "state": "new",
            "previous_state": None,
            "channel": "api",
            "number": "4Z32PABC",
            "marketplace": "US",
            "ship_to": "ABE2",
            "ship_window_start": "2026-12-01T08:00:00+00:00",
            "ship_window_end": "2026-12-08T08:00:00+00:00",
        },
    },
    "attempt_log": [
        {"at": "2026-11-27T09:00:00.120000+00:00", "status_code": None, "error": "timed out", "duration_ms": 10002},
        {"at": "2026-11-27T09:00:31.004000+00:00", "status_code": 503, "error": "HTTP 503: Service Unavailable", "duration_ms": 48},
    ],
}


def event_type(payload) -> dict:
    """An entry of GET /api/v1/webhooks/event-types, from webhooks/payloads.py."""
    from ..payloads import VERSION

    return {"event": payload.event, "label": payload.label, "version": VERSION, "description": str(payload.when), "schema": payload.schema()}


NOT_FOUND = OpenApiExample("Not found", value={"errors": [{"code": "not_found", "message": "Not found.", "field": None}]})
FORBIDDEN = OpenApiExample(
    "Not allowed",
    value={"errors": [{"code": "permission_denied", "message": "Your role or token scopes do not allow this action.", "field": None}]},
)
CREATE_REQUEST = OpenApiExample(
    "Subscribe",
    request_only=True,
    value={
        "url": "https://erp.example.com/portal-webhooks",
        "events": ["purchase_order.created", "purchase_order.changed"],
        "description": "SAP production",
    },
)
