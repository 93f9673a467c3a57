"""Demo data: settlements with every rule's anomaly planted among ordinary care, then one full scan."""


def seed(ctx):
    from apps.supervision.models import Flag, ScanRun
    from apps.supervision.services import run_scan
    from tests.supervision import factories

    if not ScanRun.objects.exists():  # a second seed_demo plants nothing twice
        planted = factories.plant_anomalies()
        factories.clean_population()
        ctx.made["supervision"] = planted
        ctx.say(f"监管：植入可疑结算 {sum(len(v) for v in planted.values())} 条（{len(planted)} 条规则），"
                "并生成正常对照结算。")
    run = run_scan(all_settlements=True)
    by_rule = ", ".join(f"{code} {n}" for code, n in sorted(run.counts.items()) if n)
    ctx.say(f"监管：扫描新增可疑结算 {run.flags_created} 条（{by_rule or '无'}）；现有 {Flag.objects.count()} 条。")
