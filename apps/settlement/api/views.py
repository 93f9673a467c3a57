"""Settlement, clearing and prepayment endpoints: they translate HTTP to the services and back."""
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
from ..selectors import prepayments_for
from .filters import ClearingFilter, SettlementFilter
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


@extend_schema_view(
    list=extend_schema(summary="结算列表（游标分页）"),
    retrieve=extend_schema(summary="结算详情"),
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

    @extend_schema(summary="上报一条结算", request=SettlementInSerializer,
                   responses={201: SettlementSerializer, 200: SettlementSerializer,
                              409: OpenApiResponse(description="同一编号、内容不同")})
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

    @extend_schema(summary="冲正（退费）", request=SettlementReversalSerializer, responses={200: SettlementSerializer})
    @action(detail=True, methods=["post"], url_path="reverse")
    def reverse(self, request, number=None):
        body = SettlementReversalSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        settlement = services.reverse_settlement(actor=request.user, organisation=self.organisation, number=number,
                                                 reason=body.validated_data["reason"])
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

        year = self.request.query_params.get("year")
        return prepayments_for(org_of(self.request.user), int(year) if year and year.isdigit() else None)
