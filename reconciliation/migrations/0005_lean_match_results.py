"""Match results keep their numbers in columns only: `shipped_quantity` becomes a column, the JSON `evidence`
(a copy of the columns) keeps only the tolerance applied (renamed `tolerance`), `variance_reasons` is derived
from the numbers, and the engine-written rows no longer have database foreign keys (see MatchResult)."""
from django.db import migrations, models
import django.db.models.deletion

BATCH = 2000


def evidence_to_columns(apps, schema_editor):
    MatchResult = apps.get_model("reconciliation", "MatchResult")
    batch = []
    for result in MatchResult.objects.only("pk", "evidence").iterator(chunk_size=BATCH):
        evidence = result.evidence or {}
        result.shipped_quantity = int(evidence.get("shipped_quantity") or 0)
        result.evidence = evidence.get("tolerance") or {}
        batch.append(result)
        if len(batch) == BATCH:
            MatchResult.objects.bulk_update(batch, ["shipped_quantity", "evidence"])
            batch = []
    if batch:
        MatchResult.objects.bulk_update(batch, ["shipped_quantity", "evidence"])


class Migration(migrations.Migration):
    dependencies = [
        ("invoicing", "0001_initial"),
        ("reconciliation", "0004_match_credits"),
    ]

    operations = [
        migrations.AddField(
            model_name="matchresult", name="shipped_quantity", field=models.IntegerField(default=0, verbose_name="shipped"),
        ),
        migrations.RunPython(evidence_to_columns, migrations.RunPython.noop),
        migrations.RenameField(model_name="matchresult", old_name="evidence", new_name="tolerance"),
        migrations.AlterField(model_name="matchresult", name="tolerance", field=models.JSONField(default=dict, verbose_name="tolerance applied")),
        migrations.RemoveField(model_name="matchresult", name="variance_reasons"),
        migrations.AlterField(
            model_name="matchresult", name="invoice",
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name="match_results",
                                    to="invoicing.invoice"),
        ),
        migrations.AlterField(
            model_name="matchresult", name="invoice_line",
            field=models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name="match_result",
                                       to="invoicing.invoiceline"),
        ),
    ]
