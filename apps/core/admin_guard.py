"""What every admin of the project carries, whether its author thought of it or not.

``YidiAdminSite.register`` puts :class:`GuardedAdminMixin` in front of every admin class registered on the
site — ours, Django's (groups), DRF's (tokens) — so none can be registered without it. It gives:

1. **Only offered lookups.** Django lets any URL filter on a model's own fields through
   (``?id_number__startswith=3205``, ``?phone__regex=…``): one request per character recovers a masked ID
   number from the row count. Here a changelist (and an export, which builds the same changelist) accepts
   only the query parameters the admin itself offers: those of its ``list_filter`` (a field filter's bare
   path and the parameters its filter class reads), its ``date_hierarchy`` (``__year``/``__month``/``__day``)
   and the raw-id pop-ups' ``limit_choices_to``; an admin that really offers another one names it in
   ``extra_lookups``. Anything else is refused by Django with 400 (``DisallowedModelAdminLookup``).
   Searching is ``get_search_results``' business: a search field that reaches an ID number or phone number
   is always exact (``=``), never a ``LIKE``.
2. **Audited reads (查阅).** Opening the change page of a record of personal data, searching any list by a
   full, valid ID number, and every export (with its row count) write an audit entry
   (``apps.core.audit.READ_*``) — with masked ID numbers only. A record is personal data when its model has
   an ID or phone number field of its own (insured persons, settlements), declares ``AUDIT_READS = True``, or
   its admin sets ``audit_reads = True`` (registrations); ``audit_reads = False`` opts out.
3. **Neutralised exports.** Every exported cell that would start a spreadsheet formula is written as text
   (``apps.core.exports``).
"""
from django.contrib.admin.filters import (
    AllValuesFieldListFilter,
    BooleanFieldListFilter,
    ChoicesFieldListFilter,
    DateFieldListFilter,
    EmptyFieldListFilter,
    FieldListFilter,
    ListFilter,
    RelatedFieldListFilter,
    RelatedOnlyFieldListFilter,
    SimpleListFilter,
)
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.views.main import SEARCH_VAR
from django.contrib.admin.widgets import url_params_from_lookup_dict
from django.db.models import Field
from django.template.response import TemplateResponse

from . import audit, idnumbers
from .exports import neutralise_dataset

# Fields whose value identifies a person: searched only by exact value.
SENSITIVE_FIELDS = frozenset({"id_number", "phone"})


def _field_filter_parameters(model_admin, request, item) -> set[str]:
    """The query parameters a field filter (``"path"``, ``("path", FilterClass)`` or a Field) reads."""
    if isinstance(item, (list, tuple)):
        target, filter_class = item
    else:
        target, filter_class = item, None
    if isinstance(target, Field):
        field, path = target, target.name
    else:
        path = target
        field = get_fields_from_path(model_admin.model, path)[-1]
    if filter_class is None:
        filter_class = next((cls for test, cls in FieldListFilter._field_list_filters if test(field)), None)
    names = {path}  # Django applies a bare ``?path=value`` as an exact match
    if filter_class in (RelatedFieldListFilter, RelatedOnlyFieldListFilter):
        names |= {f"{path}__{field.target_field.name}__exact", f"{path}__isnull"}
    elif filter_class in (BooleanFieldListFilter, ChoicesFieldListFilter):
        names |= {f"{path}__exact", f"{path}__isnull"}
    elif filter_class is DateFieldListFilter:
        names |= {f"{path}__gte", f"{path}__lt", f"{path}__isnull"}
    elif filter_class is AllValuesFieldListFilter:
        names |= {f"{path}__isnull"}
    elif filter_class is EmptyFieldListFilter:
        names |= {f"{path}__isempty"}
    else:  # a project's own FieldListFilter: ask it
        spec = filter_class(field, request, {}, model_admin.model, model_admin, field_path=path)
        names |= set(spec.expected_parameters())
    return names


def _list_filter_parameters(model_admin, request, item) -> set[str]:
    if isinstance(item, type) and issubclass(item, SimpleListFilter) \
            and item.expected_parameters is SimpleListFilter.expected_parameters:
        return {item.parameter_name}
    if isinstance(item, type) and issubclass(item, ListFilter):
        return set(item(request, {}, model_admin.model, model_admin).expected_parameters())
    return _field_filter_parameters(model_admin, request, item)


def _touches_sensitive(search_field: str) -> bool:
    return search_field.lstrip("^=@").split("__")[-1] in SENSITIVE_FIELDS


class GuardedAdminMixin:
    """See the module docstring. Put first in every registered admin's MRO by ``YidiAdminSite.register``.

    An admin may set (the mixin itself defines neither, so as not to hide the admin's own value):

    - ``audit_reads``: True/False — whether opening a record's page is a 查阅 audit entry (unset: when the
      model holds personal data);
    - ``extra_lookups``: query parameters it offers besides its list filters and date hierarchy.
    """

    # --- 1. lookups ---------------------------------------------------------------------------------------

    def offered_lookups(self, request) -> frozenset[str]:
        """The changelist query parameters this admin offers to ``request`` (computed once per request)."""
        cache = request.__dict__.setdefault("_yidi_offered_lookups", {}) if request is not None else {}
        if id(self) not in cache:
            names = set(getattr(self, "extra_lookups", ()))
            for item in self.get_list_filter(request):
                names |= _list_filter_parameters(self, request, item)
            if self.date_hierarchy:
                names |= {f"{self.date_hierarchy}__{part}" for part in ("year", "month", "day")}
            cache[id(self)] = frozenset(names)
        return cache[id(self)]

    def lookup_allowed(self, lookup, value, request=None):
        for fk_lookup in self.model._meta.related_fkey_lookups:  # raw-id pop-ups (limit_choices_to)
            if callable(fk_lookup):
                fk_lookup = fk_lookup()
            if (lookup, value) in url_params_from_lookup_dict(fk_lookup).items():
                return True
        if lookup not in self.offered_lookups(request):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_fields(self, request):
        """A search field that reaches an ID or phone number matches the whole value only."""
        return tuple(f"={f.lstrip('^=@')}" if _touches_sensitive(f) else f
                     for f in super().get_search_fields(request))

    # --- 2. audited reads ---------------------------------------------------------------------------------

    def audits_reads(self) -> bool:
        declared = getattr(self, "audit_reads", None)
        if declared is not None:
            return bool(declared)
        return bool(getattr(self.model, "AUDIT_READS", False)) or any(
            f.name in SENSITIVE_FIELDS for f in self.model._meta.concrete_fields)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        response = super().render_change_form(request, context, add=add, change=change, form_url=form_url,
                                              obj=obj)
        if change and obj is not None and request.method == "GET" and self.audits_reads():
            audit.record_read(request, action=audit.READ_VIEW, obj=obj,
                              summary=f"查阅{self.model._meta.verbose_name}：{obj}")
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        term = idnumbers.normalise(request.GET.get(SEARCH_VAR, ""))
        cl = getattr(response, "context_data", None) and response.context_data.get("cl")
        if isinstance(response, TemplateResponse) and cl is not None and idnumbers.is_valid(term):
            found = [obj.pk for obj in cl.result_list[:20]]
            audit.record_read(
                request, action=audit.READ_SEARCH, object_type=self.model._meta.label_lower,
                object_id=str(found[0]) if cl.result_count == 1 else "",
                summary=f"按身份证号码 {idnumbers.mask(term)} 检索{self.model._meta.verbose_name}："
                        f"{cl.result_count} 条",
                id_number=idnumbers.mask(term), rows=cl.result_count, pks=[str(pk) for pk in found],
            )
        return response

    # --- 3. exports (django-import-export admins only call these) -----------------------------------------

    def get_data_for_export(self, request, queryset, **kwargs):
        dataset = neutralise_dataset(super().get_data_for_export(request, queryset, **kwargs))
        request._yidi_export_rows = len(dataset)
        return dataset

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        rows = getattr(request, "_yidi_export_rows", 0)
        fmt = file_format.get_title() if hasattr(file_format, "get_title") else type(file_format).__name__
        audit.record_read(request, action=audit.READ_EXPORT, object_type=self.model._meta.label_lower,
                          summary=f"导出{self.model._meta.verbose_name} {rows} 行（{fmt}）", rows=rows, format=fmt)
        return data


def guarded(admin_class):
    """``admin_class`` with :class:`GuardedAdminMixin` first in its MRO (the class itself when it already is)."""
    if issubclass(admin_class, GuardedAdminMixin):
        return admin_class
    return type(admin_class)(
        admin_class.__name__, (GuardedAdminMixin, admin_class),
        {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__,
         "__doc__": admin_class.__doc__},
    )
