"""The schema tells the truth about errors: every operation documents the error answers API.md's conventions give.

A drf-spectacular postprocessing hook (``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``) adds, to each
operation, the error status codes it can really answer, all with one ``Error`` body:

- ``400`` when it takes a body or query parameters (DRF's field map, or ``{"detail"}`` for unreadable JSON);
- ``401`` no or bad credentials, ``403`` not allowed, ``429`` throttled — every operation;
- ``404`` when it names an object in the path (missing *or outside the caller's scope*), or is a list whose
  page or cursor can point nowhere;
- ``409`` when it is an action (POST) on an existing object: a state transition not allowed now;
- ``415`` when it takes a body: a body of a media type the API does not read (DRF's answer).

A view's own ``@extend_schema(responses=...)`` entry for one of these codes is kept as it is."""

ERROR_COMPONENT = "Error"

ERROR_SCHEMA = {
    "type": "object",
    "description": (
        'DRF 的字段错误表：{"字段": ["说明", ...]}（涉及整个请求的错误在 non_field_errors 下；'
        '嵌套输入的错误按其结构嵌套），或 {"detail": "说明"}。说明默认为中文，Accept-Language: en 时为英文。'
    ),
    "additionalProperties": {
        "anyOf": [
            {"type": "string"},
            {"type": "array", "items": {}},
            {"type": "object"},
        ],
    },
    "example": {"non_field_errors": ["当前状态不允许此操作。"]},
}

DESCRIPTIONS = {
    "400": "请求内容有误（字段错误表）",
    "401": "未提供或无效的认证凭据",
    "403": "无权办理",
    "404": "不存在或不在本机构管辖范围内",
    "409": "当前状态不允许此操作，或同一编号已有内容不同的记录",
    "415": "不支持的请求媒体类型（请以 application/json 提交）",
    "429": "请求过于频繁",
}

PAGE_PARAMETERS = {"page", "cursor"}


def _codes_for(method: str, operation: dict) -> list[str]:
    parameters = operation.get("parameters", [])
    path_params = [p for p in parameters if p.get("in") == "path"]
    query_params = {p["name"] for p in parameters if p.get("in") == "query"}
    codes = ["401", "403", "429"]
    if "requestBody" in operation or query_params or method in ("post", "put", "patch"):
        codes.append("400")
    if path_params or query_params & PAGE_PARAMETERS:
        codes.append("404")
    if method == "post" and path_params:
        codes.append("409")
    if "requestBody" in operation:
        codes.append("415")
    return sorted(codes)


def document_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the error answers to every operation (see module docstring)."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault(ERROR_COMPONENT, ERROR_SCHEMA)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for code in _codes_for(method, operation):
                entry = responses.setdefault(code, {"description": DESCRIPTIONS[code]})
                entry.setdefault("content", {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}})
            operation["responses"] = dict(sorted(responses.items()))
    return result
