"""A suspect confirmed in bill review becomes an error in audit_link, registered as POST /errors does:
graded, ErrorReported with bills_affected, the id bill review gave it; once, even when redelivered."""

from __future__ import annotations

import uuid

import httpx

from services.audit_link.bootstrap import GROUP, build
from shared.events.envelope import Envelope
from shared.messaging.dispatch import EventDispatcher
from shared.testing.plugin import token
from tests.helpers import eventually, present, runtime_of
from tests.integration.audit_link.conftest import outbox_events, scalar
from tests.integration.bill_review.conftest import PERIOD, bill, outbox, post_bills, run, suspects

REVIEWER = token("admin", subject="reviewer-li")


async def _confirm(client: httpx.AsyncClient, **body) -> dict:
    assert (await post_bills(client, [bill("k1", amount="70", customer_no="0301000777"), bill("k2")],
                             headers=REVIEWER)).status_code == 200
    assert (await run(client, headers=REVIEWER)).status_code == 200
    [suspect] = await suspects(client, headers=REVIEWER)
    r = await client.post(f"/api/v1/review/suspects/{suspect['id']}/confirm", headers=REVIEWER,
                          json={"nature": "fraud", "amount": "-150000", "category": "tariff", "bills_affected": 3,
                                **body})
    assert r.status_code == 200, r.text
    return r.json()


def _dispatcher(client: httpx.AsyncClient) -> EventDispatcher:
    [spec] = build().consumers
    return EventDispatcher(GROUP, spec.handlers, runtime_of(client).uow)


async def test_confirmed_suspect_is_registered_graded_with_its_id(embedded: httpx.AsyncClient) -> None:
    confirmed = await _confirm(embedded)
    error_id = confirmed["error_id"]
    reported = await eventually(lambda: outbox_events(embedded, "ErrorReported"))
    assert len(reported) == 1
    e = reported[0]
    assert e["error_id"] == error_id and e["unit"] == "QY-QC-01" and e["period"] == PERIOD
    assert e["bills_affected"] == 3 and e["customer_no"] == "0301000777" and e["reporter"] == "reviewer-li"
    assert e["category"] == "tariff" and e["nature"] == "fraud"
    assert e["level"] == "accountability" and e["points"] == 9  # fraud 5 + ≥ ¥100 000 4, as POST /errors grades

    r = await embedded.get(f"/api/v1/errors/{error_id}", headers=REVIEWER)
    assert r.status_code == 200, r.text
    error = r.json()
    assert error["bills_affected"] == 3 and error["reporter"] == "reviewer-li" and error["state"] == "reported"
    assert error["evidence"] == f"bill_review:{confirmed['id']} bill k1 rule amount_mismatch"
    assert error["description"]  # bill review's default description names the bill and rule

    # redelivery: the same envelope is a duplicate for the inbox; the same confirmation under a new
    # envelope id (a replay that lost its id) finds the error by its id and emits nothing more
    [payload] = await outbox(embedded, "ReviewSuspectConfirmed")
    dispatcher = _dispatcher(embedded)
    envelope = Envelope.model_validate(payload)
    assert await dispatcher.dispatch(present(dispatcher.decode(envelope))) == "duplicate"
    again = Envelope.model_validate({**payload, "id": str(uuid.uuid4())})
    assert await dispatcher.dispatch(present(dispatcher.decode(again))) == "processed"
    assert await scalar(embedded, "SELECT count(*) FROM audit_errors") == 1
    assert len(await outbox_events(embedded, "ErrorReported")) == 1


async def test_confirmation_for_an_unknown_unit_or_a_future_period_is_rejected_not_retried(
        embedded: httpx.AsyncClient) -> None:
    await _confirm(embedded)
    [payload] = await outbox(embedded, "ReviewSuspectConfirmed")
    await eventually(lambda: outbox_events(embedded, "ErrorReported"))
    dispatcher = _dispatcher(embedded)
    bad = [{**payload["data"], "unit": "QY-XX-99", "error_id": str(uuid.uuid4())},
           {**payload["data"], "period": "2027-01", "error_id": str(uuid.uuid4())}]
    for data in bad:
        envelope = Envelope.model_validate({**payload, "id": str(uuid.uuid4()), "data": data})
        assert await dispatcher.dispatch(present(dispatcher.decode(envelope))) == "processed"
    assert await scalar(embedded, "SELECT count(*) FROM audit_errors") == 1
    rejected = await scalar(embedded, "SELECT json_agg(problems ORDER BY rejected_at, event_id) "
                                      "FROM audit_rejected_commands WHERE event_type = 'ReviewSuspectConfirmed'")
    fields = sorted(p["field"] for problems in rejected for p in problems)
    assert fields == ["data.period", "data.unit"]
