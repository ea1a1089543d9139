"""Full bank account numbers written before they were masked: decided bank-change requests and the audit rows of
requests and bank details keep the last four characters only, as every screen shows them. The audit table is
append-only (0002); this one redaction lifts its trigger inside the migration's transaction and puts it back."""

import json

from django.db import migrations

APPEND_ONLY_TRIGGER = "audit_event_append_only"


def _mask(number) -> str:
    return "···" + str(number or "")[-4:]


def _json(value):
    return None if value is None else json.dumps(value)


def _masked(fields):
    """Top-level account_number, and the one in an approval's payload, masked; None when nothing changes."""
    if not isinstance(fields, dict):
        return None
    changed = dict(fields)
    number = changed.get("account_number")
    if isinstance(number, str) and not number.startswith("···"):
        changed["account_number"] = _mask(number)
    payload = changed.get("payload")
    if isinstance(payload, dict) and isinstance(payload.get("account_number"), str) and not payload["account_number"].startswith("···"):
        changed["payload"] = {**payload, "account_number": _mask(payload["account_number"])}
    return changed if changed != fields else None


def mask_history(apps, schema_editor):
    ApprovalRequest = apps.get_model("vendor_portal", "ApprovalRequest")
    AuditEvent = apps.get_model("vendor_portal", "AuditEvent")
    for approval in ApprovalRequest.objects.filter(kind="bank_details_change").exclude(status="pending").only("pk", "payload"):
        masked = _masked({"payload": approval.payload})
        if masked is not None:
            ApprovalRequest.objects.filter(pk=approval.pk).update(payload=masked["payload"])
    events = AuditEvent.objects.filter(object_type__in=["vendor_portal.approvalrequest", "vendor_portal.bankdetails"]).only("pk", "before", "after")
    changes = []
    for event in events.iterator(chunk_size=500):
        before, after = _masked(event.before), _masked(event.after)
        if before is not None or after is not None:
            changes.append((event.pk, before if before is not None else event.before, after if after is not None else event.after))
    if not changes:
        return
    table = schema_editor.quote_name(AuditEvent._meta.db_table)
    with schema_editor.connection.cursor() as cursor:
        # ALTER TABLE refuses while deferred foreign-key checks of this transaction are pending: run them first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {APPEND_ONLY_TRIGGER}")
        for pk, before, after in changes:  # in SQL: the model's queryset refuses updates of audit rows too
            cursor.execute(f'UPDATE {table} SET "before" = %s::jsonb, "after" = %s::jsonb WHERE id = %s', [_json(before), _json(after), pk])
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {APPEND_ONLY_TRIGGER}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):
    dependencies = [("vendor_portal", "0005_idempotency_expiry_index")]
    operations = [migrations.RunPython(mask_history, migrations.RunPython.noop)]
