"""Domain failures that carry field-level detail (the HTTP layer turns them into 422s)."""

from __future__ import annotations

from shared import errors


class InvalidInput(errors.InvalidInput):
    """Input that breaks a domain rule; `errors` name the offending field (or row) and why."""

    def __init__(self, title: str, errors: list[dict[str, str]]):
        super().__init__(f"{title}: " + "; ".join(f"{e['field']}: {e['message']}" for e in errors),
                         title=title, errors=errors)
