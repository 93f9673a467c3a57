"""Insured persons and their cross-region registrations (备案), with every transition recorded."""
from django.conf import settings
from django.db import models

from apps.core import idnumbers


class InsuranceType(models.TextChoices):
    EMPLOYEE = "employee", "职工医保"
    RESIDENT = "resident", "城乡居民医保"


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class InsuredPerson(models.Model):
    SCOPE_REGION_FIELDS = ("insured_region",)

    id_number = models.CharField("身份证号码", max_length=18, unique=True)
    name = models.CharField("姓名", max_length=64)
    phone = models.CharField("手机号码", max_length=11, blank=True)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    birth_date = models.DateField("出生日期")
    insurance_type = models.CharField("险种", max_length=10, choices=InsuranceType.choices)
    insured_region = models.ForeignKey(
        "regions.Region", verbose_name="参保地", on_delete=models.PROTECT, related_name="+"
    )
    insured_pooling_area = models.ForeignKey(
        "regions.Region", verbose_name="参保统筹区", on_delete=models.PROTECT, related_name="+"
    )
    commitment_banned_until = models.DateField(
        "承诺制限制至", null=True, blank=True, help_text="逾期未补交材料者，在此日期前不得以承诺制备案。"
    )

    class Meta:
        verbose_name = "参保人员"
        verbose_name_plural = "参保人员"
        indexes = [models.Index(fields=["name"], name="person_name")]

    def __str__(self):
        return f"{self.name}（{self.masked_id}）"

    @property
    def masked_id(self) -> str:
        return idnumbers.mask(self.id_number)


class Category(models.TextChoices):
    RETIREE_RELOCATED = "retiree_relocated", "异地安置退休人员"
    LONG_TERM_RESIDENT = "long_term_resident", "异地长期居住人员"
    STATIONED_WORKER = "stationed_worker", "常驻异地工作人员"
    REFERRAL = "referral", "异地转诊人员"
    EMERGENCY = "emergency", "异地急诊抢救人员"
    TEMPORARY_OTHER = "temporary_other", "其他临时外出就医人员"


LONG_TERM_CATEGORIES = frozenset({Category.RETIREE_RELOCATED, Category.LONG_TERM_RESIDENT, Category.STATIONED_WORKER})
TEMPORARY_CATEGORIES = frozenset({Category.REFERRAL, Category.EMERGENCY, Category.TEMPORARY_OTHER})


class Scope(models.TextChoices):
    CROSS_PROVINCE = "cross_province", "跨省"
    IN_PROVINCE = "in_province", "省内跨统筹区"


class Channel(models.TextChoices):
    WEB = "web", "网上自助"
    API = "api", "合作系统接口"
    COUNTER = "counter", "经办窗口"


class Status(models.TextChoices):
    SUBMITTED = "submitted", "待审核"
    APPROVED = "approved", "已备案"
    REJECTED = "rejected", "未通过"
    CANCELLED = "cancelled", "已撤销"
    EXPIRED = "expired", "已到期"


# A person may hold only one registration in these statuses per destination and period (the overlap rule).
ACTIVE_STATUSES = (Status.SUBMITTED, Status.APPROVED)


class Registration(models.Model):
    SCOPE_REGION_FIELDS = ("insured_region", "destination_region")

    reference = models.CharField("备案编号", max_length=20, unique=True)
    person = models.ForeignKey(InsuredPerson, verbose_name="参保人员", on_delete=models.PROTECT,
                               related_name="registrations")
    insured_region = models.ForeignKey(
        "regions.Region", verbose_name="参保地", on_delete=models.PROTECT, related_name="+"
    )
    insured_pooling_area = models.ForeignKey(
        "regions.Region", verbose_name="参保统筹区", on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField("备案类别", max_length=20, choices=Category.choices)
    destination_region = models.ForeignKey(
        "regions.Region", verbose_name="就医地", on_delete=models.PROTECT, related_name="+"
    )
    scope = models.CharField("范围", max_length=16, choices=Scope.choices)
    start_date = models.DateField("有效期开始")
    end_date = models.DateField("有效期结束", null=True, blank=True, help_text="空表示长期有效，直至变更或撤销。")
    commitment_signed = models.BooleanField("已签署个人承诺书", default=False)
    documents_owed = models.CharField("待补材料", max_length=255, blank=True)
    documents_due = models.DateField("材料补交截止", null=True, blank=True)
    documents_supplied_at = models.DateTimeField("材料补交时间", null=True, blank=True)
    retroactive_reason = models.CharField("补办原因", max_length=255, blank=True)
    channel = models.CharField("申请渠道", max_length=10, choices=Channel.choices)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    status_reason = models.CharField("状态原因", max_length=255, blank=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提交账户", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "异地就医备案"
        verbose_name_plural = "异地就医备案"
        indexes = [
            # the overlap check: one person's active registrations for one destination
            models.Index(fields=["person", "destination_region", "status"], name="reg_person_dest"),
            # review queues and filters by side and status
            models.Index(fields=["insured_region", "status"], name="reg_insured_status"),
            models.Index(fields=["destination_region", "status"], name="reg_dest_status"),
            # the daily expiry and valid_on filters
            models.Index(fields=["status", "end_date"], name="reg_status_end"),
            models.Index(fields=["start_date", "end_date"], name="reg_validity"),
            models.Index(fields=["created_at"], name="reg_created"),
            # documents overdue (容缺后补): only the few rows still owing documents
            models.Index(
                fields=["documents_due"], name="reg_docs_owed",
                condition=models.Q(documents_due__isnull=False, documents_supplied_at__isnull=True),
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_long_term(self) -> bool:
        return self.category in LONG_TERM_CATEGORIES


class RegistrationEvent(models.Model):
    """One transition of a registration: who, when, from which status to which, and why."""

    registration = models.ForeignKey(Registration, verbose_name="备案", on_delete=models.PROTECT,
                                     related_name="events")
    at = models.DateTimeField("时间", auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("regions.Organisation", verbose_name="机构", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField("原状态", max_length=10, choices=Status.choices, blank=True)
    to_status = models.CharField("新状态", max_length=10, choices=Status.choices)
    reason = models.CharField("原因", max_length=255, blank=True)

    class Meta:
        verbose_name = "备案变更记录"
        verbose_name_plural = "备案变更记录"
        ordering = ["at", "id"]


class ReferenceSequence(models.Model):
    """The last reference number handed out on one day, where there is no database sequence (SQLite)."""

    day = models.DateField("日期", primary_key=True)
    last = models.PositiveIntegerField("最后序号", default=0)

    class Meta:
        verbose_name = "备案编号序列"
        verbose_name_plural = "备案编号序列"
