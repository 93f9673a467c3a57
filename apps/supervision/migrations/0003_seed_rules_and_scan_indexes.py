"""The first rule set and the restricted-item catalogue as data, and the settlement indexes the rules scan by."""
from django.db import migrations

RULES = [
    ("NO_REGISTRATION", "未备案异地就医", "low",
     "结算未匹配有效备案（无备案、备案未批准或就医日期不在有效期内）。急诊抢救视同已备案："
     "本人有覆盖就医日期的急诊抢救备案（含事后补办），或结算含急诊项目（emergency_item_codes）的不标记。",
     {"emergency_item_codes": ["110200003", "110200005", "310300001"]}),
    ("INPATIENT_OVERLAP", "住院时间重叠", "high",
     "同一人两次住院的在院时间交叉（出院当日再入院不算重叠），两条结算都标记。",
     {}),
    ("SAME_DAY_CITIES", "同日异城市门诊", "medium",
     "同一人同一天在不同地市（就医地代码前4位不同）门诊就医，双方都标记。",
     {"visit_types": ["outpatient", "chronic"]}),
    ("FREQUENT_OUTPATIENT", "门诊就诊过频", "medium",
     "同一人在 window_days 天内门诊次数超过 max_visits 次，标记超出的那些就诊。",
     {"window_days": 30, "max_visits": 8, "visit_types": ["outpatient"]}),
    ("DRUG_OVERSUPPLY", "慢特病超量开药", "medium",
     "同一人同一药品在 window_days 天内（含当次）的用药天数合计超过 window_days + tolerance_days。",
     {"window_days": 90, "tolerance_days": 30, "visit_types": ["chronic"]}),
    ("DUPLICATE", "重复结算", "high",
     "同一人、同一机构、同一天、同一总金额出现两次以上，双方都标记。",
     {}),
    ("READMISSION", "分解住院", "high",
     "同一人出院后 max_gap_days 天内在同一机构再次入院，标记再次入院的结算。",
     {"max_gap_days": 14}),
    ("SERVICE_NOT_OPENED", "超开通范围结算", "high",
     "机构未开通跨省住院/普通门诊直接结算，或门诊慢特病病种未经确认开通（开通病种大类 M07800 覆盖其细类 M07803）。",
     {}),
    ("PEER_OUTLIER", "费用显著高于同类", "medium",
     "总费用同时高于同类（同就诊类型、同机构等级）均值的 ratio 倍和均值 + z 倍标准差；同类不足 min_peers 条不判断。",
     {"ratio": 3, "z": 3, "min_peers": 30}),
    ("RESTRICTED_ITEM", "限性别/年龄项目使用不当", "medium",
     "限性别或限年龄的项目（见“限性别/年龄项目”目录）用于不符合条件的人员；性别、年龄取自身份证号码。",
     {}),
    ("LARGE_INPATIENT", "单次住院费用超大额", "medium",
     "单次跨省住院医疗总费用超过 amount（未设置时取 YIDI_LARGE_INPATIENT_CLAIM，默认 30000.00 元）。",
     {"cross_province_only": True}),
]

RESTRICTED = [
    ("250403021", "前列腺特异性抗原测定", "M", None, None),
    ("311201001", "宫颈细胞学检查", "F", None, None),
    ("311300003", "产前检查", "F", 14, 55),
    ("410000009", "小儿推拿", "", None, 14),
    ("250309008", "骨密度测定（老年）", "", 40, None),
]


def seed(apps, schema_editor):
    Rule = apps.get_model("supervision", "Rule")
    RestrictedItem = apps.get_model("supervision", "RestrictedItem")
    for code, name, severity, description, params in RULES:
        Rule.objects.get_or_create(code=code, defaults=dict(name=name, severity=severity, description=description,
                                                            params=params, enabled=True))
    for code, name, sex, min_age, max_age in RESTRICTED:
        RestrictedItem.objects.get_or_create(code=code, defaults=dict(name=name, sex=sex, min_age=min_age,
                                                                      max_age=max_age))


class Migration(migrations.Migration):

    dependencies = [
        ("supervision", "0002_events_scans_restricted_items_indexes"),
        ("settlement", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        # An incremental scan picks new settlements by arrival. (The pair and window rules find a person's
        # settlements through the settlement area's own index settlement_person_start (id_number, service_start).)
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS sup_settlement_created "
            "ON settlement_settlement (created_at)",
            "DROP INDEX IF EXISTS sup_settlement_created",
        ),
    ]
