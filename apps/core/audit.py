"""Writing the audit trail from services."""
from .models import AuditEntry


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
        object_id=object_id, summary=summary[:255], data=_jsonable(data),
    )


def _jsonable(data: dict) -> dict:
    out = {}
    for k, v in data.items():
        out[k] = v if isinstance(v, (str, int, bool, type(None), list, dict)) else str(v)
    return out
