"""Small helpers the registration tests share."""
import datetime as dt

from apps.core import idnumbers


def with_wrong_check_char(id_number: str) -> str:
    good = id_number[-1]
    return id_number[:-1] + ("0" if good != "0" else "1")


def as_form_data(data: dict) -> dict:
    """API-style data as the public form posts it (strings; unchecked boxes are simply absent)."""
    out = {}
    for key, value in data.items():
        if value is None or value is False:
            continue
        if value is True:
            out[key] = "on"
        elif isinstance(value, dt.date):
            out[key] = value.isoformat()
        else:
            out[key] = str(value)
    return out


def as_json(data: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.items()}


__all__ = ["with_wrong_check_char", "as_form_data", "as_json", "idnumbers"]


EXPORT_FIELDS = ["reference", "id_number", "name", "category", "insured_region", "destination_region", "status",
                 "start_date", "end_date"]


def post_export(client, **extra):
    """POST the admin's export form: CSV, the masked-ID resource, the main columns."""
    data = {"format": "0", "resource": "0",
            **{f"registrationexportresource_{f}": "on" for f in EXPORT_FIELDS}, **extra}
    return client.post("/admin/registration/registration/export/", data)


def admin_export(client, **extra) -> str:
    """The exported CSV's text (fails if no file came back)."""
    response = post_export(client, **extra)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/csv"), response.content[:500]
    return response.content.decode("utf-8-sig")
