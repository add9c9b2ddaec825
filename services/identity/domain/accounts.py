"""Accounts and API keys: what a valid one looks like (pure)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from shared.auth import ROLES
from shared.patterns import UNIT_CODE_PATTERN

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
_UNIT = re.compile(UNIT_CODE_PATTERN)

Problem = dict[str, str]


def grant_problems(roles: Sequence[str], units: Sequence[str], field: str = "body") -> list[Problem]:
    """What is wrong with a set of roles and units (the same rules as `m2c token create`)."""
    problems = []
    unknown = sorted(set(roles) - set(ROLES))
    if not roles or unknown:
        problems.append({"field": f"{field}.roles", "message": f"须为以下角色中的一个或多个：{', '.join(ROLES)}"})
    bad_units = [u for u in units if not _UNIT.match(u)]
    if bad_units:
        problems.append({"field": f"{field}.units", "message": f"不是单位编码：{', '.join(bad_units)}"})
    if "station" in roles and not units:
        problems.append({"field": f"{field}.units", "message": "供电所账号须指定所属单位"})
    return problems


def name_problem(name: str) -> str | None:
    if not NAME.match(name):
        return "2–63 个字符：小写字母、数字、'.'、'_' 或 '-'，以字母或数字开头"
    return None
