"""bill_review's failures as HTTP problems (never a 500 for an expected failure)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from services.bill_review.domain.errors import Conflict, InvalidInput, NotFound
from shared.http.problems import Problem


@contextmanager
def as_problems() -> Iterator[None]:
    try:
        yield
    except InvalidInput as exc:
        raise Problem(exc.status, exc.title, str(exc), errors=exc.errors) from exc
    except NotFound as exc:
        raise Problem(404, "Not found", str(exc)) from exc
    except Conflict as exc:
        raise Problem(409, "Conflict", str(exc)) from exc
