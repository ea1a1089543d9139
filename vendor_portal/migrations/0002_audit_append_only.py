from django.db import migrations

# The database itself refuses to change or delete audit rows, whatever code runs.
# (TRUNCATE, used by test tear-down and by operators purging a whole database, is not affected.)
FORWARD = """
CREATE OR REPLACE FUNCTION vendor_portal_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON vendor_portal_auditevent
    FOR EACH ROW EXECUTE FUNCTION vendor_portal_audit_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS audit_event_append_only ON vendor_portal_auditevent;
DROP FUNCTION IF EXISTS vendor_portal_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("vendor_portal", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
