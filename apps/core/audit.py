"""Writing the audit trail: changes from services, and reads of personal data from the admin.

Entries never hold a full ID number: :func:`record` masks every valid 18-character resident ID it finds in the
summary and in the details (``3205**********1234``), whoever wrote the text (a rejection reason typed by a
clerk may quote one). Reads are recorded by :func:`record_read` with the actions in ``READ_ACTIONS``."""
import re

from . import idnumbers
from .models import AuditEntry

# Reads of personal data (查阅), written by the admin kernel (apps.core.admin_guard).
READ_VIEW = "read.view"  # a record's admin page was opened
READ_SEARCH = "read.search"  # an admin list was searched by a full ID number
READ_EXPORT = "read.export"  # rows were exported (CSV, XLSX …)
READ_ACTIONS = {READ_VIEW: "查阅记录", READ_SEARCH: "按身份证号码检索", READ_EXPORT: "导出"}

_ID_TOKEN = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")


def mask_ids(text: str) -> str:
    """``text`` with every valid resident ID number in it masked."""
    if not text:
        return text

    def masked(match):
        value = match.group(1)
        return idnumbers.mask(value) if idnumbers.is_valid(value) else value

    return _ID_TOKEN.sub(masked, str(text))


def record(*, actor=None, action: str, obj=None, object_type: str = "", object_id: str = "", summary: str = "",
           organisation=None, **data) -> AuditEntry:
    """Append one audit entry; call inside the service's transaction so it stands or falls with the change."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if organisation is None and actor is not None:
        organisation = getattr(actor, "organisation", None)
    return AuditEntry.objects.create(
        actor=actor, organisation=organisation, action=action, object_type=object_type,
        object_id=mask_ids(object_id)[:64], summary=mask_ids(summary)[:255], data=_jsonable(data),
    )


def record_read(request, *, action: str, summary: str, obj=None, object_type: str = "", object_id: str = "",
                **data) -> AuditEntry:
    """A read of personal data by the signed-in user (查阅), for the auditors."""
    return record(actor=request.user, action=action, obj=obj, object_type=object_type, object_id=object_id,
                  summary=summary, path=request.path, **data)


def _jsonable(data: dict) -> dict:
    return {k: _clean(v) for k, v in data.items()}


def _clean(value):
    if isinstance(value, str):
        return mask_ids(value)
    if isinstance(value, (bool, int, type(None))):
        return value
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    return mask_ids(str(value))
