"""The failures a command reports to its caller, one base for every service.

Services raise (or subclass) these; one exception handler in shared/http/problems.py turns any
`DomainError` into problem+json with its status, title, optional `type` URI and field `errors`.
Nothing here knows HTTP beyond the status number a failure stands for.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """An expected failure: nothing was written. `errors` name the field, or the row of a file."""

    status: ClassVar[int] = 400
    default_title: ClassVar[str] = "请求有误"
    problem_type: ClassVar[str] = "about:blank"

    def __init__(self, detail: str = "", *, title: str | None = None,
                 errors: list[dict[str, Any]] | None = None, extra: dict[str, Any] | None = None):
        super().__init__(detail or title or self.default_title)
        self.title = title or self.default_title
        self.errors = errors
        self.extra = extra or {}


class NotFound(DomainError):
    """The thing does not exist, or lies outside the caller's org subtree (never told apart)."""

    status = 404
    default_title = "未找到"


class Conflict(DomainError):
    status = 409
    default_title = "与当前状态冲突"


class Forbidden(DomainError):
    status = 403
    default_title = "无权操作"


class InvalidInput(DomainError):
    status = 422
    default_title = "请求参数无效"


class OutOfScope(Forbidden):
    """A write names a unit outside the caller's subtree (a body field or a row of a file): 403, naming it."""

    problem_type = "urn:m2c:problem:out-of-scope"
    default_title = "单位不在您的管辖范围内"
