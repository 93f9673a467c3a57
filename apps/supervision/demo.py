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
    if "supervision" in ctx.made:
        _review_some(ctx, ctx.made["supervision"])
    by_rule = ", ".join(f"{code} {n}" for code, n in sorted(run.counts.items()) if n)
    ctx.say(f"监管：扫描新增可疑结算 {run.flags_created} 条（{by_rule or '无'}）；现有 {Flag.objects.count()} 条。")


def _review_some(ctx, planted):
    """The 上海 bureau reviews a few planted flags: one confirmed with a recovery, one in review, one dismissed."""
    from decimal import Decimal

    from apps.regions.models import Organisation
    from apps.supervision.models import Flag
    from apps.supervision.services import conclude, request_review

    shanghai = Organisation.objects.get(code="310000")
    first = {code: Flag.objects.filter(rule_id=code, settlement=settlements[0]).first()
             for code, settlements in planted.items()}
    request_review(flag_id=first["LARGE_INPATIENT"].pk, actor=None, organisation=shanghai, note="单次住院超3万元")
    conclude(flag_id=first["LARGE_INPATIENT"].pk, actor=None, organisation=shanghai, outcome="confirmed",
             amount_recovered=Decimal("4860.00"), note="就医地核实：重复收取检查费，已追回。")
    request_review(flag_id=first["DUPLICATE"].pk, actor=None, organisation=shanghai)
    conclude(flag_id=first["RESTRICTED_ITEM"].pk, actor=None, organisation=shanghai, outcome="dismissed",
             note="经核实为录入错误，已更正。")
    ctx.say("监管：上海市医保局已对 3 条可疑结算作出处理（确认追回 1 条、协查中 1 条、排除 1 条）。")
