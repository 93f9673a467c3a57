"""The national 门诊慢特病 catalogue as data: the five national diseases and their code families.

More diseases are added over time as rows (admin or a later data migration), never as code."""
from django.db import migrations

# (code, name, is_national_five)
DISEASES = [
    ("M00500", "恶性肿瘤门诊治疗", False),
    ("M00503", "恶性肿瘤门诊放化疗", True),
    ("M01600", "糖尿病", True),
    ("M03900", "高血压", True),
    ("M07800", "尿毒症透析", True),
    ("M07803", "尿毒症透析（血液透析）", False),
    ("M07804", "尿毒症透析（腹膜透析）", False),
    ("M08300", "器官移植术后抗排异治疗", True),
]


def seed(apps, schema_editor):
    ChronicDisease = apps.get_model("facilities", "ChronicDisease")
    for code, name, five in DISEASES:
        ChronicDisease.objects.update_or_create(code=code, defaults={"name": name, "is_national_five": five})


class Migration(migrations.Migration):
    dependencies = [("facilities", "0002_indexes_and_service_events")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
