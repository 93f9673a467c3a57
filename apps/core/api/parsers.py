"""The API's JSON parser: bounded in size and depth, strict, with Chinese (or English) messages.

DRF's own parser recurses without limit (JSON nested 100,000 levels deep is a RecursionError, a 500) and
answers malformed JSON in English whatever the caller asked. The size limit is Django's
DATA_UPLOAD_MAX_MEMORY_SIZE: DRF reads the body through ``request.body``, which enforces it (the exception
handler answers 413); the parser checks it again on whatever stream it is given.
"""
import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers, status

MAX_DEPTH = 32  # a settlement with its items is 4 levels deep; 32 leaves room and stops recursion bombs


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


def max_body_bytes() -> int:
    """The largest JSON body accepted: Django's DATA_UPLOAD_MAX_MEMORY_SIZE (a 1,000-item settlement bulk
    fits with room to spare)."""
    return getattr(settings, "DATA_UPLOAD_MAX_MEMORY_SIZE", None) or 20 * 1024 * 1024


def _reject_constant(name):
    raise ValueError(name)


def _too_deep(data, limit: int) -> bool:
    """True when containers nest deeper than ``limit`` (iterative: no recursion to exhaust)."""
    stack = [(data, 1)]
    containers = (dict, list)
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, containers))
    return False


class JSONParser(parsers.JSONParser):
    max_depth = MAX_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parsers.get_encoding(parser_context)
        limit = max_body_bytes()
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge(_("请求体过大：不得超过 %(limit)s 字节。") % {"limit": limit})
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise exceptions.ParseError(_("请求体不是有效的 UTF-8 文本。"))
        try:
            data = json.loads(text, parse_constant=_reject_constant)
        except RecursionError:
            raise exceptions.ParseError(_("JSON 嵌套过深：不得超过 %(depth)s 层。") % {"depth": self.max_depth})
        except json.JSONDecodeError as exc:
            raise exceptions.ParseError(
                _("请求体不是有效的 JSON（第 %(line)s 行第 %(column)s 列附近）。") % {"line": exc.lineno,
                                                                           "column": exc.colno})
        except ValueError:  # NaN, Infinity
            raise exceptions.ParseError(_("请求体不是有效的 JSON：不接受 NaN 或 Infinity。"))
        if isinstance(data, (dict, list)) and _too_deep(data, self.max_depth):
            raise exceptions.ParseError(_("JSON 嵌套过深：不得超过 %(depth)s 层。") % {"depth": self.max_depth})
        return data
