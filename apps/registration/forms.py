"""The public self-service form, the status lookup and the bureau's change of a person's details: field types
and widgets only; the rules are the services'."""
import re

from django import forms
from django.utils import timezone

from apps.core.errors import DomainError
from apps.regions.models import Level, Region

from .models import Category, InsuranceType, InsuredPerson, Registration
from .validation import REASON_MAX_LENGTH


def _max_length(model, field: str) -> int:
    return model._meta.get_field(field).max_length

_CODE = re.compile(r"([0-9]{6})")


def region_code(value: str, candidates) -> str:
    """``value`` as a 6-digit code: a code anywhere in it (``苏州市（320500）``), else an exact name among
    ``candidates`` (a Region queryset). Left as typed when unknown, so the service names the fault."""
    value = (value or "").strip()
    found = _CODE.search(value)
    if found:
        return found.group(1)
    matches = list(candidates.filter(name=value).values_list("code", flat=True)[:2])
    if len(matches) > 1:
        raise forms.ValidationError(f"「{value}」对应多个地区，请从列表中选择或填写6位行政区划代码。")
    return matches[0] if matches else value


def region_candidates():
    """(insured, destination) suggestions: pooling areas; provinces and cities."""
    insured = Region.objects.filter(is_pooling_area=True).only("code", "name").order_by("code")
    destinations = Region.objects.filter(level__in=[Level.PROVINCE, Level.CITY]).only("code", "name").order_by("code")
    return insured, destinations


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DomainErrorFormMixin:
    def add_domain_error(self, exc: DomainError):
        """Put a service's error(s) next to the fields they name."""
        for field, messages in exc.as_dict().items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class RegistrationForm(DomainErrorFormMixin, forms.Form):
    name = forms.CharField(label="姓名", max_length=_max_length(InsuredPerson, "name"))
    id_number = forms.CharField(label="身份证号码", max_length=_max_length(InsuredPerson, "id_number"),
                                min_length=_max_length(InsuredPerson, "id_number"),
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}))
    phone = forms.CharField(label="手机号码", max_length=_max_length(InsuredPerson, "phone"),
                            widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric"}))
    insurance_type = forms.ChoiceField(label="险种", choices=InsuranceType.choices)
    insured_region = forms.CharField(
        label="参保地", help_text="县（区）或参保统筹区的名称或6位行政区划代码，例如 苏州市 或 320508。",
        widget=forms.TextInput(attrs={"list": "insured-regions", "autocomplete": "off"}))
    category = forms.ChoiceField(label="备案类别", choices=[("", "请选择")] + Category.choices)
    destination_region = forms.CharField(
        label="就医地", help_text="参保统筹区以外的省或地市，例如 上海市 或 330100。",
        widget=forms.TextInput(attrs={"list": "destination-regions", "autocomplete": "off"}))
    start_date = forms.DateField(label="开始日期", widget=DateInput(), initial=timezone.localdate,
                                 help_text="早于今天的为补办备案，须填写补办原因。")
    end_date = forms.DateField(label="结束日期（可不填）", required=False, widget=DateInput(),
                               help_text="不填：长期居住类长期有效；临时外出就医类有效期6个月。")
    retroactive_reason = forms.CharField(label="补办原因", required=False,
                                         max_length=_max_length(Registration, "retroactive_reason"),
                                         help_text="已入院或已就医后补办备案时填写。")
    documents_provided = forms.BooleanField(label="我已向参保地经办机构提交证明材料", required=False)
    commitment_signed = forms.BooleanField(
        label="我签署个人承诺书：承诺以上信息真实有效，不再另交证明材料（承诺制）；需补交的材料按期补交。",
        required=False)
    documents_owed = forms.CharField(label="待补交的材料（容缺后补，可不填）", required=False,
                                     max_length=_max_length(Registration, "documents_owed"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.insured_candidates, self.destination_candidates = region_candidates()

    def clean_insured_region(self):
        return region_code(self.cleaned_data["insured_region"], self.insured_candidates)

    def clean_destination_region(self):
        return region_code(self.cleaned_data["destination_region"], self.destination_candidates)


class NoEchoTextInput(forms.TextInput):
    """A text box that never writes the submitted value back into the page (for the full ID number)."""

    def format_value(self, value):
        return None


class StatusLookupForm(forms.Form):
    reference = forms.CharField(label="备案编号", max_length=_max_length(Registration, "reference"))
    id_number = forms.CharField(label="身份证号码", max_length=_max_length(InsuredPerson, "id_number"),
                                widget=NoEchoTextInput(attrs={"autocomplete": "off"}))


class PersonDetailsForm(DomainErrorFormMixin, forms.Form):
    """参保关系变更 / 信息变更 by the bureau holding the person (admin); the rules are
    ``services.change_person_details``'s."""

    name = forms.CharField(label="姓名", max_length=_max_length(InsuredPerson, "name"))
    phone = forms.CharField(label="手机号码", max_length=_max_length(InsuredPerson, "phone"))
    insurance_type = forms.ChoiceField(label="险种", choices=InsuranceType.choices)
    insured_region = forms.CharField(
        label="参保地", help_text="县（区）或参保统筹区的名称或6位行政区划代码；参保统筹区随之变更。",
        widget=forms.TextInput(attrs={"list": "insured-regions", "autocomplete": "off"}))
    reason = forms.CharField(label="变更原因", max_length=REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
                             help_text="如：参保关系转移接续、本人申请更换手机号码（附证明材料编号）。记入审计日志。")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.insured_candidates, _destinations = region_candidates()

    def clean_insured_region(self):
        return region_code(self.cleaned_data["insured_region"], self.insured_candidates)
