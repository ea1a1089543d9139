from django.db import migrations, models


# What the list shows of each interchange's problems and sets, from the rows already there.
BACKFILL = """
UPDATE edi_interchange SET
    problem_count = jsonb_array_length(problems),
    first_problem = left(coalesce(problems -> 0 ->> 'message', ''), 300),
    set_count = (SELECT count(*) FROM edi_transactionrecord WHERE interchange_id = edi_interchange.id)
"""


class Migration(migrations.Migration):
    dependencies = [("edi", "0002_list_indexes")]

    operations = [
        migrations.AddField(model_name="interchange", name="problem_count", field=models.PositiveIntegerField(default=0, verbose_name="problems")),
        migrations.AddField(
            model_name="interchange", name="first_problem", field=models.CharField(blank=True, max_length=300, verbose_name="first problem")
        ),
        migrations.AddField(
            model_name="interchange", name="set_count", field=models.PositiveIntegerField(default=0, verbose_name="transaction sets")
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
