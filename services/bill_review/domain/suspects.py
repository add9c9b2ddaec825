"""A suspect's decision: open → confirmed (an error) or cleared (with a reason); decided is final."""

from __future__ import annotations

from services.bill_review.domain.rules import BY_CODE

STATES = ("open", "confirmed", "cleared")


class AlreadyDecided(Exception):
    pass


def check_open(state: str, suspect_id: int) -> None:
    if state != "open":
        raise AlreadyDecided(f"疑点 {suspect_id} 已处理（{state}）")


def default_error_category(rule: str) -> str:
    return BY_CODE[rule].error_category


def default_description(rule: str, bill_id: str, message: str) -> str:
    return f"发行前审核确认差错（{BY_CODE[rule].title}）：账单 {bill_id}，{message}"
