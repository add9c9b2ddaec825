"""Domain failures that carry field-level detail (the HTTP layer turns them into 422s and 409s)."""

from __future__ import annotations

from typing import Any

from shared import errors


class InvalidInput(errors.InvalidInput):
    """Input that breaks a domain rule; `errors` name the offending field (or row) and why."""

    def __init__(self, title: str, errors: list[dict[str, Any]]):
        super().__init__(f"{title}: " + "; ".join(f"{e['field']}: {e['message']}" for e in errors),
                         title=title, errors=errors)


class IncompletePeriod(errors.Conflict):
    """Scoring would publish stations that lack required facts, and nobody chose to allow it: 409
    naming each incomplete station and what it lacks; the caller decides (`?allow_incomplete=true`)
    after looking at GET /periods/{p}/completeness."""

    problem_type = "urn:m2c:problem:incomplete-period"
    default_title = "Incomplete period"

    def __init__(self, period: str, incomplete: list[dict[str, Any]]):
        units = ", ".join(i["unit"] for i in incomplete)
        super().__init__(
            f"{period}：{len(incomplete)} 个供电所缺少评分方案要求的数据（{units}）；"
            "如要将其标为“数据不全”发布，请带 ?allow_incomplete=true 评分",
            errors=[{"field": "allow_incomplete", "message": f"{i['unit']} 缺少 {', '.join(i['missing'])}",
                     "unit": i["unit"], "missing": i["missing"]} for i in incomplete],
            extra={"incomplete": incomplete})
        self.period = period
        self.incomplete = incomplete
