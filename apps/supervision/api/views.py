"""Flags endpoint (API.md "Flags"): list and read in scope, request a cost review, conclude."""
import django_filters
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict, ErrorList
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api.mixins import ScopedQuerysetMixin
from apps.core.api.pagination import CursorPagination
from apps.core.inputs import text_error
from apps.regions.models import region_subtree_q
from apps.supervision import services
from apps.supervision.models import Flag, FlagStatus

from .serializers import ConcludeSerializer, FlagSerializer, RequestReviewSerializer


def _subtree(field):
    def method(self, qs, name, value):
        return qs.filter(region_subtree_q(field, value))
    return method


class FlagFilter(django_filters.FilterSet):
    """The list's filters; a value with a control character or a lone surrogate is refused (400) with the portal's
    one message (``apps.core.inputs.text_error``) before any filter or query sees it."""

    status = django_filters.ChoiceFilter(choices=FlagStatus.choices)
    rule = django_filters.CharFilter(field_name="rule_id", help_text="规则编码")
    insured_region = django_filters.CharFilter(method="filter_insured", help_text="参保地区划代码（含下级）")
    treatment_region = django_filters.CharFilter(method="filter_treatment", help_text="就医地区划代码（含下级）")

    class Meta:
        model = Flag
        fields = ["status", "rule", "insured_region", "treatment_region"]

    filter_insured = _subtree("insured_region_id")
    filter_treatment = _subtree("treatment_region_id")

    def _refused(self) -> ErrorDict | None:
        errors = ErrorDict()
        for name in self.filters:
            values = self.data.getlist(name) if hasattr(self.data, "getlist") else [self.data.get(name)]
            problem = next((p for v in values if isinstance(v, str) and (p := text_error(v))), None)
            if problem:
                errors[name] = ErrorList([ValidationError(problem, code="invalid")])
        return errors or None

    def is_valid(self):
        return self._refused() is None and super().is_valid()

    @property
    def errors(self):
        return self._refused() or super().errors


class FlagViewSet(ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Suspicious settlements flagged by the supervision rules, within the caller's scope (else 404)."""

    queryset = Flag.objects.select_related("rule", "settlement", "ticket")
    serializer_class = FlagSerializer
    filterset_class = FlagFilter
    pagination_class = CursorPagination
    lookup_value_regex = r"\d+"

    def _shown(self, flag):
        """The flag as the caller sees it after an action (scoped, the evidence for the caller)."""
        return FlagSerializer(self.get_queryset().get(pk=flag.pk), context=self.get_serializer_context()).data

    @extend_schema(request=RequestReviewSerializer, responses=FlagSerializer,
                   summary="发起费用协查（参保地）：向就医地经办机构开具协查工单")
    @action(detail=True, methods=["post"], url_path="request-review", serializer_class=RequestReviewSerializer)
    def request_review(self, request, pk=None):
        body = RequestReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        flag = services.request_review(flag_id=pk, actor=request.user, organisation=self.organisation,
                                       note=body.validated_data["note"])
        return Response(self._shown(flag))

    @extend_schema(request=ConcludeSerializer, responses=FlagSerializer,
                   summary="作出结论（参保地）：确认违规并填写追回金额，或排除")
    @action(detail=True, methods=["post"], serializer_class=ConcludeSerializer)
    def conclude(self, request, pk=None):
        body = ConcludeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        flag = services.conclude(flag_id=pk, actor=request.user, organisation=self.organisation,
                                 **body.validated_data)
        return Response(self._shown(flag))
