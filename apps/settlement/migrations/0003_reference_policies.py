"""The national reference policies (全国参考政策): used for a pooling area that has set none of its own."""
import datetime as dt
from decimal import Decimal as D

from django.db import migrations

# (insurance type, visit type, deductible, ratios 3/2/1/unrated, annual cap, unregistered rule, value)
REFERENCE = [
    ("employee", "inpatient", "1200.00", (85, 90, 95, 95), "400000.00", "reduce", 30),
    ("employee", "outpatient", "1000.00", (60, 65, 70, 70), "6000.00", "reduce", 20),
    ("employee", "chronic", "0.00", (75, 80, 85, 85), "100000.00", "reduce", 20),
    ("employee", "pharmacy", "1000.00", (60, 60, 60, 60), "6000.00", "fixed", 0),
    ("resident", "inpatient", "800.00", (60, 70, 80, 80), "200000.00", "reduce", 30),
    ("resident", "outpatient", "300.00", (50, 55, 60, 60), "2000.00", "reduce", 20),
    ("resident", "chronic", "0.00", (55, 60, 65, 65), "50000.00", "reduce", 20),
    ("resident", "pharmacy", "300.00", (50, 50, 50, 50), "2000.00", "fixed", 0),
]


def add(apps, schema_editor):
    Policy = apps.get_model("settlement", "Policy")
    for ins, visit, deductible, (r3, r2, r1, r0), cap, rule, value in REFERENCE:
        Policy.objects.get_or_create(
            pooling_area=None, insurance_type=ins, visit_type=visit, effective_from=dt.date(2024, 1, 1),
            defaults=dict(
                deductible=D(deductible), ratio_level3=D(r3), ratio_level2=D(r2), ratio_level1=D(r1),
                ratio_unrated=D(r0), annual_cap=D(cap), referral_emergency_reduction=D(10),
                temporary_other_reduction=D(20), unregistered_rule=rule, unregistered_value=D(value),
                note="全国参考值，统筹区未设置本地政策时使用。",
            ),
        )


class Migration(migrations.Migration):
    dependencies = [("settlement", "0002_prepayment_settlement_clearing_period_and_more")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
