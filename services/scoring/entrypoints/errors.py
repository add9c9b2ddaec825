"""Domain failures → problem+json."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Path, Query, Request
from fastapi.responses import JSONResponse

from services.scoring.domain.errors import InvalidInput
from services.scoring.handlers import Conflict, IncompletePeriod, NotFound
from shared.http.problems import PROBLEM_JSON, Problem
from shared.patterns import PERIOD_PATTERN

INCOMPLETE_PERIOD = "urn:m2c:problem:incomplete-period"

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


def incomplete_period(request: Request, exc: IncompletePeriod) -> JSONResponse:
    """409 problem+json naming each incomplete station and what it lacks; the caller decides
    (`?allow_incomplete=true`) after looking at GET /periods/{p}/completeness."""
    units = ", ".join(i["unit"] for i in exc.incomplete)
    return JSONResponse({
        "type": INCOMPLETE_PERIOD, "title": "Incomplete period", "status": 409, "instance": request.url.path,
        "detail": f"{exc.period}: {len(exc.incomplete)} station(s) lack facts the scheme requires ({units}); "
                  "score with ?allow_incomplete=true to publish them as incomplete",
        "incomplete": exc.incomplete,
        "errors": [{"field": "allow_incomplete", "message": f"{i['unit']} lacks {', '.join(i['missing'])}",
                    "unit": i["unit"], "missing": i["missing"]} for i in exc.incomplete],
    }, status_code=409, media_type=PROBLEM_JSON)
