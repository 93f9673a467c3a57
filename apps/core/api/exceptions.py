"""API errors as API.md fixes them: DRF's field map, domain errors mapped to 400/403/404/409."""
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.api.parsers import RequestTooLarge, max_body_bytes
from apps.core.errors import DomainError


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            data = {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
            data = {("non_field_errors" if k == "__all__" else k): v for k, v in data.items()}
        else:
            data = {"non_field_errors": [str(m) for m in exc.messages]}
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RequestDataTooBig):  # over DATA_UPLOAD_MAX_MEMORY_SIZE: Django would answer a bare 400
        exc = RequestTooLarge(_("请求体过大：不得超过 %(limit)s 字节。") % {"limit": max_body_bytes()})
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    return drf_exception_handler(exc, context)
