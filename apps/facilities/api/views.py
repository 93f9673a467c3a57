"""Read-only facility endpoints and the coverage figure.

Facilities are reference data every partner needs (an insured-side province checks where its people were
treated; a hospital looks up another's code), so any authenticated account reads them all. Coverage is
shown per province: national picks any province, every other organisation its own."""
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.permissions import IsOrganisationMember
from apps.core.errors import ValidationFailed
from apps.core.inputs import text_error
from apps.regions.scope import org_of

from .. import selectors
from ..models import Facility
from .filters import FacilityFilter

CODE_MAX = Facility._meta.get_field("code").max_length
from .serializers import CoverageSerializer, FacilitySerializer


class FacilityViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsOrganisationMember]
    serializer_class = FacilitySerializer
    filterset_class = FacilityFilter
    lookup_field = "code"
    lookup_value_regex = "[^/.]+"  # a malformed code answers the API's JSON 404, not the site's HTML page

    def get_queryset(self):
        return Facility.objects.prefetch_related(selectors.confirmed_diseases_prefetch()).order_by("code")

    def get_object(self):
        # a code with a NUL or control character, or of any length, is no facility: the JSON 404, not a 500 from
        # the database driver
        code = self.kwargs.get(self.lookup_field, "")
        if len(code) > CODE_MAX or text_error(code):
            raise exceptions.NotFound()
        return super().get_object()


class CoverageView(APIView):
    permission_classes = [IsOrganisationMember]

    @extend_schema(
        parameters=[OpenApiParameter("province", OpenApiTypes.STR, description="省级区划代码（国家级机构必填）")],
        responses=CoverageSerializer,
    )
    def get(self, request):
        """Coverage of one province: per city and overall, uncovered counties, chronic diseases per pooling area."""
        province = selectors.coverage_province_for(org_of(request.user), request.query_params.get("province"))
        if province is None:
            raise ValidationFailed(_("请指定省份（province=省级区划代码）。"), field="province")
        cov = selectors.province_coverage(province)
        data = {
            "province": cov.province, "cities": cov.cities, "uncovered": cov.uncovered,
            "pooling_areas": cov.pooling_areas, "targets": list(selectors.COVERAGE_TARGETS),
        }
        return Response(CoverageSerializer(data).data)
