"""django-import-export resource: the admin's CSV/XLSX export, and an import that hands the whole file to the
same service as ``manage.py import_facilities`` (one rule set, bulk reads and writes, all or nothing)."""
from django.core.exceptions import ValidationError
from import_export import fields, resources
from import_export.results import Error, Result, RowResult

from apps.core.errors import DomainError
from apps.regions.scope import org_of

from .models import Facility
from .selectors import confirmed_diseases_prefetch
from .services import IMPORT_COLUMNS, import_facilities
from .tabular import rows_from_dataset


class FacilityResource(resources.ModelResource):
    code = fields.Field(attribute="code", column_name="code")
    name = fields.Field(attribute="name", column_name="name")
    kind = fields.Field(attribute="kind", column_name="kind")
    level = fields.Field(attribute="level", column_name="level")
    region = fields.Field(attribute="region_id", column_name="region")
    address = fields.Field(attribute="address", column_name="address")
    status = fields.Field(attribute="status", column_name="status")
    inpatient = fields.Field(column_name="inpatient")
    outpatient = fields.Field(column_name="outpatient")
    chronic_diseases = fields.Field(column_name="chronic_diseases")

    class Meta:
        model = Facility
        fields = IMPORT_COLUMNS
        export_order = IMPORT_COLUMNS
        import_id_fields = ["code"]
        name = "定点医药机构（code, name, kind, level, region, address, status, inpatient, outpatient, chronic_diseases）"

    def get_export_queryset(self, request=None):
        return Facility.objects.all()

    def filter_export(self, queryset, **kwargs):
        already = any(getattr(lookup, "to_attr", None) == "confirmed_services"
                      for lookup in queryset._prefetch_related_lookups)
        return queryset if already else queryset.prefetch_related(confirmed_diseases_prefetch())

    def dehydrate_inpatient(self, facility):
        return "true" if facility.inpatient else "false"

    def dehydrate_outpatient(self, facility):
        return "true" if facility.outpatient else "false"

    def dehydrate_chronic_diseases(self, facility):
        services = getattr(facility, "confirmed_services", None)
        if services is None:
            services = facility.diseases.filter(status="confirmed").order_by("disease_id")
        return ";".join(s.disease_id for s in services)

    def get_diff_headers(self):
        return ["行号"] + IMPORT_COLUMNS

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None,
                    collect_failed_rows=False, rollback_on_validation_errors=False, **kwargs):
        """The whole file goes to :func:`import_facilities`; its report becomes import-export's Result, so the
        preview lists every bad row with the reason, and the confirm step appears only for a clean file."""
        user = kwargs.get("user")
        org = org_of(user)
        rows = rows_from_dataset(dataset)
        result = Result()
        try:
            report = import_facilities(rows=rows, by=org, actor=user, dry_run=dry_run)
        except DomainError as exc:
            result.append_base_error(Error(exc))
            return result
        result.diff_headers = self.get_diff_headers()
        result.total_rows = len(rows)
        by_line: dict[int, dict] = {}
        for error in report.errors:
            by_line.setdefault(error.line, {}).setdefault(error.field, []).append(error.message)
        for line in sorted(by_line):
            raw = rows[line - 2] if 0 <= line - 2 < len(rows) else {}
            values = {"行号": line, **{c: raw.get(c, "") for c in IMPORT_COLUMNS}}
            result.append_invalid_row(line, values, ValidationError(by_line[line]))
            row_result = RowResult()
            row_result.import_type = RowResult.IMPORT_TYPE_INVALID
            result.increment_row_result_total(row_result)
        if report.refused:
            return result
        for line, code, import_type, values in report.rows:
            row_result = RowResult()
            row_result.import_type = import_type
            row_result.object_id = code
            row_result.object_repr = f"{values['name']}（{code}）"
            row_result.diff = [line] + [_show(values, c) for c in IMPORT_COLUMNS]
            result.append_row_result(row_result)
            result.increment_row_result_total(row_result)
        return result


def _show(values: dict, column: str):
    if column == "region":
        return values["region_id"]
    if column == "chronic_diseases":
        return ";".join(values["diseases"])
    if column in ("inpatient", "outpatient"):
        return "true" if values[column] else "false"
    return values[column]
