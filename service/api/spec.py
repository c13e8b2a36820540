"""Answers every API operation may give, added to the OpenAPI document in one place."""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "message": {"type": "string"},
        "detail": {"type": "object"},
        "problems": {"type": "array", "items": {"type": "string"}},
        "version": {"type": "integer", "description": "Phiên bản hiện tại (If-Match đã cũ)"},
        "changed": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["message"],
}

BEARER = {
    "type": "http",
    "scheme": "bearer",
    "description": "Khóa API cấp trong giao diện (Tài khoản → Khóa API) hoặc bằng "
    "`vanthu create-token TÊN_ĐĂNG_NHẬP`; gửi `Authorization: Bearer <khóa>`",
}

COMMON_ERRORS = {
    "400": "Thân yêu cầu không đọc được (JSON hỏng)",
    "401": "Chưa xác thực",
    "403": "Không có quyền",
    "404": "Không tìm thấy",
    "405": "Phương thức không được hỗ trợ",
    "409": "Trạng thái hiện tại không cho phép; `problems` nói còn thiếu gì. If-Match đã cũ: "
    "`version` là phiên bản hiện tại, `changed` các trường đã được thay đổi, không lưu gì",
    "413": "Yêu cầu quá lớn",
    "422": "Dữ liệu không hợp lệ; `detail` có thông báo cho từng trường",
    "503": "Cơ sở dữ liệu tạm thời không sẵn sàng",
}


# The one-time links of a signer's own tool: the token in the URL is the credential, and the
# upload's body is the signed PDF itself, which APIFlask's inputs cannot describe.
LINK_PREFIX = "/api/v1/signing/"
PDF_BODY = {
    "required": True,
    "description": "Tệp PDF đã ký bằng công cụ ký của người ký",
    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
}


def add_common_errors(spec: dict[str, Any] | str) -> dict[str, Any] | str:
    """Document the error answers of every operation, all with the same body."""
    if isinstance(spec, str):
        return spec
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    spec["components"]["securitySchemes"] = {"bearer": BEARER}
    ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in spec.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        link = path.startswith(LINK_PREFIX)
        for method, operation in operations.items():
            operation["security"] = [] if link else [{"bearer": []}]
            if link and method in ("put", "post"):
                operation["requestBody"] = PDF_BODY
            responses = operation.setdefault("responses", {})
            for code, description in COMMON_ERRORS.items():
                responses.setdefault(
                    code,
                    {"description": description, "content": {"application/json": {"schema": ref}}},
                )
    return spec


def file_responses(description: str, *mimetypes: str) -> dict[int | str, dict[str, Any]]:
    """The 200 answer of a download endpoint, with the file types it may send."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"description": description, "content": dict.fromkeys(mimetypes, binary)}}
