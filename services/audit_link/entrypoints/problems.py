"""Domain and handler failures as HTTP problems (never a 500 for an expected failure)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from services.audit_link.domain import errors as error_domain
from services.audit_link.domain import tickets as ticket_domain
from services.audit_link.handlers.errors import Conflict, NotFound
from services.audit_link.handlers.reference import InvalidReference
from services.audit_link.handlers.tickets import DuplicateOpenTicket
from shared.calendar import CalendarMissing
from shared.http.problems import Problem


def calendar_problem(exc: CalendarMissing, field: str) -> Problem:
    return Problem(422, "No working-day calendar", f"{exc} (PUT /api/v1/calendar/years/{exc.year})",
                   errors=[{"field": field, "message": str(exc)}])


@contextmanager
def as_problems(*, calendar_field: str = "now") -> Iterator[None]:
    try:
        yield
    except NotFound as exc:
        raise Problem(404, "Not found", str(exc)) from exc
    except InvalidReference as exc:
        raise Problem(422, "Unknown reference", str(exc), errors=exc.problems) from exc
    except DuplicateOpenTicket as exc:
        raise Problem(409, "Duplicate open ticket", str(exc),
                      errors=[{"field": "body.unit", "message": f"open ticket {exc.existing.id}"}]) from exc
    except (Conflict, ticket_domain.InvalidTransition, error_domain.InvalidErrorTransition) as exc:
        raise Problem(409, "Conflict", str(exc)) from exc
    except ticket_domain.TicketForbidden as exc:
        raise Problem(403, "Forbidden", str(exc)) from exc
    except ticket_domain.MissingFacts as exc:
        raise Problem(422, "Missing facts", str(exc),
                      errors=[{"field": f"body.{f}", "message": "required"} for f in exc.fields]) from exc
    except error_domain.MissingFields as exc:
        raise Problem(422, "Missing facts", str(exc),
                      errors=[{"field": f"body.{f}", "message": "required"} for f in exc.fields]) from exc
    except CalendarMissing as exc:
        raise calendar_problem(exc, calendar_field) from exc
