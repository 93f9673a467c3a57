"""django-import-export resources: an export with masked ID numbers, and an import that submits every row
through the service (the admin's dry run shows each row's Chinese errors; any error imports nothing)."""
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from import_export import fields, resources

from apps.core import idnumbers
from apps.core.errors import DomainError
from apps.regions.scope import org_of

from . import services
from .models import Channel, Registration

IMPORT_COLUMNS = [
    "id_number", "name", "phone", "insurance_type", "insured_region", "category", "destination_region",
    "start_date", "end_date", "commitment_signed", "documents_provided", "documents_owed", "documents_due",
    "retroactive_reason",
]


class RegistrationExportResource(resources.ModelResource):
    reference = fields.Field(attribute="reference", column_name="备案编号")
    id_number = fields.Field(column_name="身份证号码（脱敏）")
    name = fields.Field(attribute="person__name", column_name="姓名")
    category = fields.Field(column_name="备案类别")
    insured_region = fields.Field(attribute="insured_region_id", column_name="参保地")
    insured_pooling_area = fields.Field(attribute="insured_pooling_area_id", column_name="参保统筹区")
    destination_region = fields.Field(attribute="destination_region_id", column_name="就医地")
    scope = fields.Field(column_name="范围")
    start_date = fields.Field(attribute="start_date", column_name="有效期开始")
    end_date = fields.Field(attribute="end_date", column_name="有效期结束")
    status = fields.Field(column_name="状态")
    status_reason = fields.Field(attribute="status_reason", column_name="状态原因")
    commitment_signed = fields.Field(attribute="commitment_signed", column_name="承诺制")
    documents_owed = fields.Field(attribute="documents_owed", column_name="待补材料")
    documents_due = fields.Field(attribute="documents_due", column_name="补交截止")
    channel = fields.Field(column_name="申请渠道")
    created_at = fields.Field(attribute="created_at", column_name="提交时间")

    class Meta:
        model = Registration
        name = "备案清单（身份证号脱敏）"
        fields = ("reference", "id_number", "name", "category", "insured_region", "insured_pooling_area",
                  "destination_region", "scope", "start_date", "end_date", "status", "status_reason",
                  "commitment_signed", "documents_owed", "documents_due", "channel", "created_at")
        export_order = fields

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("person")

    def dehydrate_id_number(self, registration):
        return idnumbers.mask(registration.person.id_number)

    def dehydrate_category(self, registration):
        return registration.get_category_display()

    def dehydrate_scope(self, registration):
        return registration.get_scope_display()

    def dehydrate_status(self, registration):
        return registration.get_status_display()

    def dehydrate_channel(self, registration):
        return registration.get_channel_display()


class RegistrationImportResource(resources.ModelResource):
    """Columns use the API's field names (see IMPORT_COLUMNS); each row is one counter submission."""

    class Meta:
        model = Registration
        name = "窗口批量备案（经业务规则校验）"
        fields = ()
        skip_diff = True
        clean_model_instances = False

    def get_import_fields(self):
        return []

    def get_user_visible_fields(self):
        return []

    def get_or_init_instance(self, instance_loader, row):
        return Registration(), True

    def import_instance(self, instance, row, **kwargs):
        missing = [c for c in ("id_number", "insured_region", "category", "destination_region") if c not in row]
        if missing:
            raise ValidationError({c: "文件缺少此列。" for c in missing})

    def save_instance(self, instance, is_create, row, **kwargs):
        user = kwargs.get("user")
        data = {c: ("" if row.get(c) is None else row.get(c)) for c in IMPORT_COLUMNS}
        for c in ("id_number", "insured_region", "destination_region", "phone"):
            data[c] = str(data[c]).strip().removesuffix(".0")  # spreadsheets turn codes into numbers
        try:
            registration = services.submit_registration(
                actor=user, organisation=org_of(user), channel=Channel.COUNTER, data=data)
        except DomainError as exc:
            raise ValidationError({(NON_FIELD_ERRORS if k == "non_field_errors" else k): v
                                   for k, v in exc.as_dict().items()}) from exc
        instance.pk = registration.pk
        instance.reference = registration.reference
