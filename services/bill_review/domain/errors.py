"""Failures a command reports to its caller (the entrypoints turn them into problem+json)."""

from __future__ import annotations

from typing import Any


class InvalidInput(Exception):
    """Bad input: nothing was written. `errors` name the field, or the row and column of a file."""

    def __init__(self, title: str, errors: list[dict[str, Any]], status: int = 422):
        super().__init__("; ".join(str(e.get("message")) for e in errors))
        self.title, self.errors, self.status = title, errors, status


class NotFound(Exception):
    pass


class Conflict(Exception):
    pass
