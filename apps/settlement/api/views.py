"""Settlement, clearing and prepayment endpoints: they translate HTTP to the services and back.

Addressing a settlement: ``/api/v1/settlements/{number}/`` (and ``…/{number}/reverse/``). Numbers are unique
per reporting facility, not nationally. A facility account always means its own settlement. A bureau whose
scope holds the same number at several facilities adds ``?facility=CODE``; without it the answer is 400 with
the message under ``facility``. A number (or number and facility) outside the caller's scope answers 404, as
any out-of-scope object does."""
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api.mixins import ScopedQuerysetMixin
from apps.core.api.pagination import CursorPagination
from apps.core.errors import ValidationFailed

from .. import services
from ..models import Clearing, Prepayment, Settlement
from ..selectors import prepayments_for, settlement_by_number
from .filters import ClearingFilter, SettlementFilter, parse_year
from .serializers import (
    BulkInSerializer, BulkOutSerializer, ClearingSerializer, PrepaymentSerializer, SettlementReversalSerializer,
    SettlementInSerializer, SettlementSerializer,
)


class SettlementCursorPagination(CursorPagination):
    ordering = ("-settled_at", "-id")


def _with_related(qs):
    from apps.supervision.models import Flag

    return qs.select_related("registration").prefetch_related(
        Prefetch("flags", queryset=Flag.objects.only("id", "settlement_id", "rule_id")), "items")


FACILITY_PARAMETER = OpenApiParameter(
    "facility", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False,
    description="上报机构（定点医药机构）编码。结算编号在上报机构内唯一：机构账户无需填写（即本机构的结算）；"
                "经办机构可见的多家机构使用同一编号时必须填写，否则返回 400（错误在 facility 下）。")
NUMBER_PARAMETER = OpenApiParameter(
    "number", OpenApiTypes.STR, OpenApiParameter.PATH,
    description="结算编号（上报机构内唯一）。不在本机构管辖范围内的编号返回 404。")


@extend_schema_view(
    list=extend_schema(summary="结算列表（游标分页）"),
    retrieve=extend_schema(summary="结算详情", parameters=[NUMBER_PARAMETER, FACILITY_PARAMETER],
                           responses={200: SettlementSerializer,
                                      400: OpenApiResponse(description="同一编号有多家机构，未指明 facility"),
                                      404: OpenApiResponse(description="不存在或不在管辖范围内")}),
)
class SettlementViewSet(ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    queryset = Settlement.objects.all()
    serializer_class = SettlementSerializer
    pagination_class = SettlementCursorPagination
    filterset_class = SettlementFilter
    lookup_field = "number"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return _with_related(super().get_queryset())

    def get_object(self):
        """The settlement ``number`` in the caller's scope, of ``?facility=`` when given (module docstring)."""
        settlement = settlement_by_number(self.organisation, self.kwargs[self.lookup_field],
                                          self.request.query_params.get("facility"), queryset=self.get_queryset())
        self.check_object_permissions(self.request, settlement)
        return settlement

    @extend_schema(summary="上报一条结算", request=SettlementInSerializer,
                   responses={201: SettlementSerializer, 200: SettlementSerializer,
                              409: OpenApiResponse(description="同一机构已用该编号上报了内容不同的结算")})
    def create(self, request, *args, **kwargs):
        settlement, outcome = services.ingest_settlement(actor=request.user, organisation=self.organisation,
                                                         data=request.data)
        stored = _with_related(Settlement.objects.filter(pk=settlement.pk)).get()
        code = status.HTTP_201_CREATED if outcome == "created" else status.HTTP_200_OK
        return Response(SettlementSerializer(stored).data, status=code)

    @extend_schema(summary="批量上报结算（每批最多1,000条，逐条判定）", request=BulkInSerializer,
                   responses={200: BulkOutSerializer})
    @action(detail=False, methods=["post"], url_path="bulk")
    def bulk(self, request):
        items = request.data.get("settlements") if isinstance(request.data, dict) else None
        if not isinstance(items, list):
            raise ValidationFailed(_("请以 settlements 列表提交结算。"), field="settlements")
        outcomes = services.ingest_settlements(actor=request.user, organisation=self.organisation, items=items)
        results, counts = [], {"created": 0, "duplicate": 0, "conflict": 0, "invalid": 0}
        for o in outcomes:
            counts[o.outcome] += 1
            row = {"number": o.number, "outcome": o.outcome}
            if o.errors:
                row["errors"] = o.errors
            results.append(row)
        return Response({"results": results, **counts})

    @extend_schema(summary="冲正（退费）", request=SettlementReversalSerializer,
                   parameters=[NUMBER_PARAMETER, FACILITY_PARAMETER],
                   responses={200: SettlementSerializer,
                              400: OpenApiResponse(description="原因无效，或同一编号有多家机构而未指明 facility"),
                              404: OpenApiResponse(description="不存在或不在管辖范围内"),
                              409: OpenApiResponse(description="已冲正")})
    @action(detail=True, methods=["post"], url_path="reverse")
    def reverse(self, request, number=None):
        body = SettlementReversalSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        settlement = services.reverse_settlement(actor=request.user, organisation=self.organisation, number=number,
                                                 reason=body.validated_data["reason"],
                                                 facility=request.query_params.get("facility"))
        stored = _with_related(Settlement.objects.filter(pk=settlement.pk)).get()
        return Response(SettlementSerializer(stored).data)


class ClearingViewSet(ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet):
    """Monthly clearing rows between province pairs; the province bureaus concerned move them on."""

    queryset = Clearing.objects.all()
    serializer_class = ClearingSerializer
    filterset_class = ClearingFilter

    def _move(self, service, pk):
        clearing = service(actor=self.request.user, organisation=self.organisation, clearing_id=pk)
        return Response(ClearingSerializer(clearing).data)

    @extend_schema(summary="就医省申报", request=None, responses={200: ClearingSerializer})
    @action(detail=True, methods=["post"])
    def declare(self, request, pk=None):
        return self._move(services.declare_clearing, pk)

    @extend_schema(summary="参保省确认", request=None, responses={200: ClearingSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._move(services.confirm_clearing, pk)

    @extend_schema(summary="参保省拨付", request=None, responses={200: ClearingSerializer})
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        return self._move(services.pay_clearing, pk)


@extend_schema_view(list=extend_schema(
    summary="年度预付金及使用情况",
    parameters=[OpenApiParameter("year", OpenApiTypes.INT, description="年度")]))
class PrepaymentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Prepayment.objects.all()
    serializer_class = PrepaymentSerializer

    def get_queryset(self):
        from apps.regions.scope import org_of

        return prepayments_for(org_of(self.request.user), parse_year(self.request.query_params.get("year")))
