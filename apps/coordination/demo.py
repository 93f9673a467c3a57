"""Demo tickets: every tier holding something, every status, some overdue; through the services."""
import datetime as dt

from django.utils import timezone

from apps.accounts.models import User
from apps.regions.models import Organisation, Tier

from . import services
from .models import Ticket

MARK = "【演示】"


def _org(code):
    return Organisation.objects.filter(code=code).first()


def _actor(org):
    return User.objects.filter(organisation=org).order_by("pk").first() if org else None


def _raise(org, category, title, description, holder=None):
    return services.raise_ticket(actor=_actor(org), organisation=org, category=category, title=MARK + title,
                                 description=description, holder=holder)


def _act(ticket, org, name, note, **extra):
    return services.ACTION_SERVICES[name](actor=_actor(org), organisation=org, ticket=ticket, note=note, **extra)


def _make_overdue(ticket, days=2):
    # Demo only: pretend the ticket landed long ago, so the inbox and escalate_overdue have work to show.
    Ticket.objects.filter(pk=ticket.pk).update(due_at=timezone.now() - dt.timedelta(days=days))


def seed(ctx):
    if Ticket.objects.filter(title__startswith=MARK).exists():
        ctx.say("协同工单：演示数据已存在，跳过。")
        return
    gusu, suzhou, jiangsu = _org("320508"), _org("320500"), _org("320000")
    pudong, shanghai = _org("310115"), _org("310000")
    hangzhou, chengdu, hubei = _org("330100"), _org("510100"), _org("420000")
    national = _org("000000")
    if not all([gusu, suzhou, jiangsu, pudong, shanghai, hangzhou, chengdu, hubei, national]):
        ctx.say("协同工单：缺少演示区划机构，跳过。")
        return
    facility = (Organisation.objects.filter(tier=Tier.FACILITY, region_id="320508").order_by("code").first()
                or Organisation.objects.filter(tier=Tier.FACILITY).order_by("code").first())
    made = []

    # facility → county, open and overdue
    if facility is not None:
        t = _raise(facility, "settlement_failure", "跨省住院结算上传失败",
                   "患者出院结算时提示“参保地未返回结果”，请县医保局协助处理。")
        _make_overdue(t)
        made.append(t)
        # facility → county, taken in hand, then handed to the city (escalated), in progress there
        t = _raise(facility, "refund", "门诊退费无法冲正", "一笔跨省门诊结算需退费，冲正交易返回错误码。")
        _act(t, t.holder, "comment", "已受理，正在核查交易流水。")
        _act(t, t.holder, "escalate", "涉及省平台交易，县级无法处理，上报地市。")
        made.append(t)
        # a cost review passed by the county down to the facility itself (fifth tier holds it)
        t = _raise(shanghai, "cost_review", "门诊慢特病用药超量协查", "同一参保人 30 日内配药量超出用药天数，请核查。",
                   holder=gusu)
        _act(t, gusu, "transfer", "请医院说明处方与配药记录。", to=facility.code)
        _act(t, facility, "comment", "已调取处方记录，三个工作日内回复。")
        made.append(t)

    # county → city, in progress
    t = _raise(gusu, "registration", "异地长期居住备案信息不一致", "参保人备案的就医地与实际居住地不符，请核实。")
    _act(t, suzhou, "comment", "已联系参保人，待补充居住证明。")
    made.append(t)

    # city → province, resolved
    t = _raise(suzhou, "refund", "跨省门诊退费到账延迟", "参保人反映退费超过 10 个工作日未到账。")
    _act(t, jiangsu, "resolve", "已与就医地核对，退费已于昨日到账。")
    made.append(t)

    # province → national, open
    made.append(_raise(jiangsu, "policy", "门诊慢特病跨省直接结算病种范围", "请明确第六种门诊慢特病纳入跨省直接结算的时间安排。"))

    # cost review from the insured side straight to the treatment county, in progress and overdue
    t = _raise(shanghai, "cost_review", "单次住院费用 ¥48,600 协查", "请就医地核查住院病历与收费明细。", holder=gusu)
    _act(t, gusu, "comment", "已调取病历，正在核对收费明细。")
    _make_overdue(t, days=5)
    made.append(t)

    # transferred to the insured side (another province), open there
    t = _raise(gusu, "settlement_failure", "上海参保人备案状态未同步", "上海参保人已备案，但本地结算时提示未备案。")
    _act(t, suzhou, "transfer", "需参保地核实备案数据上传情况，转上海市医保局。", to="310000")
    made.append(t)

    # escalated to national, resolved, then reopened by the raiser
    t = _raise(hangzhou, "system_fault", "国家平台接口间歇性超时", "每日 9–10 时结算接口超时率约 3%。")
    _act(t, t.holder, "escalate", "省平台日志显示超时发生在国家平台侧，上报国家局。")
    _act(t, national, "resolve", "已扩容接口网关，请观察。")
    _act(t, hangzhou, "reopen", "扩容后仍有超时，请继续排查。")
    made.append(t)

    # closed by the raiser
    t = _raise(chengdu, "other", "异地就医宣传材料需求", "请提供最新版跨省直接结算宣传折页模板。")
    _act(t, t.holder, "resolve", "已在省局网站发布下载。")
    _act(t, chengdu, "close", "已收到，谢谢。")
    made.append(t)

    # province → national, overdue
    t = _raise(hubei, "registration", "备案撤销后仍可结算", "参保人已撤销备案，就医地仍按已备案结算。")
    _make_overdue(t, days=1)
    made.append(t)

    # withdrawn by the raiser while still open
    t = _raise(pudong, "other", "演示：误提交工单", "误提交，请忽略。")
    _act(t, pudong, "close", "误提交，撤回。")
    made.append(t)

    ctx.made["tickets"] = made
    ctx.say(f"协同工单：{len(made)} 件（各层级、各状态，含超时）。")
