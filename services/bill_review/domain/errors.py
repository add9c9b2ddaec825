"""Failures a command reports to its caller (the entrypoints turn them into problem+json)."""

from __future__ import annotations

from typing import Any

from shared import errors as shared_errors


class InvalidInput(shared_errors.InvalidInput):
    """Bad input: nothing was written. `errors` name the field, or the row and column of a file."""

    def __init__(self, title: str, errors: list[dict[str, Any]]):
        super().__init__("; ".join(str(e.get("message")) for e in errors), title=title, errors=errors)


class RowsOutOfScope(InvalidInput):
    """A file row of a unit outside the caller's subtree: 403, naming the row like any bad row."""

    status = 403


NotFound = shared_errors.NotFound
Conflict = shared_errors.Conflict
