"""Property-based proof of the contract (issue 11.6): schemathesis over every operation of the
embedded app's OpenAPI, as an admin, with a fixed seed and example budget (bounded in time): no
5xx, and every response matches the status codes, media type and schema the document declares.

Stateless phase: each operation on its own with generated valid and invalid inputs. Stateful phase:
schemathesis' state machine over the links it infers between operations, a few short sequences."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shared.settings import Settings
from shared.testing.plugin import token
from tests.helpers import org_of
from tests.served_app import served

ADMIN = token("admin", subject="schemathesis")
EXAMPLES = int(os.environ.get("M2C_SCHEMATHESIS_EXAMPLES", "25"))
SEED = 20261129
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Operations that would end the run itself or only stream (no JSON contract to check).
SKIP = {("POST", "/api/v1/auth/logout")}


@pytest.fixture
def base_url(settings: Settings) -> Iterator[str]:
    with served(settings) as url:
        r = httpx.post(f"{url}/api/v1/org-units", json={"units": org_of("QY-QC-01", "QY-QC-07", "QY-FG-06")},
                       headers=ADMIN)
        assert r.status_code == 200, r.text
        yield url


def _tuples_as_arrays(node: Any) -> Any:
    """schemathesis 4 rewrites 3.1 `prefixItems` (pydantic's tuples, e.g. amount_bands) into a list
    under `items` and then refuses its own result as an invalid schema; the document itself is valid
    (test_edges_contract validates it), so the tuples are loosened here, for the tool only."""
    if isinstance(node, dict):
        if "prefixItems" in node:
            node["items"] = {"anyOf": node.pop("prefixItems")}
        return {k: _tuples_as_arrays(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_tuples_as_arrays(v) for v in node]
    return node


def _schema(base_url: str) -> schemathesis.BaseSchema:
    doc = httpx.get(f"{base_url}/openapi.json").json()
    return schemathesis.openapi.from_dict(_tuples_as_arrays(doc))


def test_every_operation_answers_within_its_contract(base_url: str) -> None:
    schema = _schema(base_url)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # an operation schemathesis could not read
        op = result.ok()
        if (op.method.upper(), op.path) in SKIP:
            continue
        operations += 1

        @seed(SEED)
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy())
        def run(case: schemathesis.Case) -> None:
            response = case.call(base_url=base_url, headers=ADMIN, timeout=30)
            case.validate_response(response, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # collect every operation's first failure, then report them all
            failures.append(f"{op.method.upper()} {op.path}: {str(exc)[:1500]}")
    assert operations >= 50
    assert not failures, "\n\n".join(failures)


def test_sequences_of_operations_stay_within_the_contract(base_url: str) -> None:
    """Stateful phase: schemathesis chains operations along the links it infers (a created error's
    id into GET /errors/{error_id}, …) — a few short, seeded sequences."""
    from hypothesis.stateful import run_state_machine_as_test

    machine = _schema(base_url).as_state_machine()

    class Machine(machine):  # type: ignore[misc, valid-type]  # a base class schemathesis builds at run time
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"base_url": base_url, "headers": ADMIN, "timeout": 30}

        def validate_response(self, response: Any, case: schemathesis.Case, additional_checks: Any = None,
                              **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS)

    run_state_machine_as_test(Machine, settings=settings(
        max_examples=int(os.environ.get("M2C_SCHEMATHESIS_SEQUENCES", "30")), stateful_step_count=6,
        deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)))
