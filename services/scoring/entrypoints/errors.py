"""Domain failures → problem+json."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Path, Query

from services.scoring.domain.errors import InvalidInput
from services.scoring.handlers import Conflict, NotFound
from shared.http.problems import Problem
from shared.patterns import PERIOD_PATTERN

PeriodPath = Annotated[str, Path(pattern=PERIOD_PATTERN, description="Month YYYY-MM")]
PeriodQuery = Annotated[str, Query(pattern=PERIOD_PATTERN, description="Month YYYY-MM")]


@contextmanager
def as_problems() -> Iterator[None]:
    try:
        yield
    except InvalidInput as exc:
        raise Problem(422, exc.title, str(exc), errors=exc.errors) from exc
    except NotFound as exc:
        raise Problem(404, "Not found", str(exc)) from exc
    except Conflict as exc:
        raise Problem(409, "Conflict", str(exc)) from exc
