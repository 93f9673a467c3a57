"""Settlement numbers become unique per reporting facility instead of nationally.

The new unique index (number, facility) is built before the national one goes, so uniqueness never lapses; the
number leads it, so lookups by number alone (a bureau's admin search, the API detail) still use an index."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("facilities", "0004_facility_name_trigram"),
        ("settlement", "0003_reference_policies"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="settlement",
            constraint=models.UniqueConstraint(fields=("number", "facility"), name="settlement_unique_facility_number"),
        ),
        migrations.AlterField(
            model_name="settlement",
            name="number",
            field=models.CharField(help_text="上报机构内唯一（不同定点医药机构可以使用相同编号）；字符集见 ingest 模块说明。",
                                   max_length=64, verbose_name="结算编号"),
        ),
    ]
