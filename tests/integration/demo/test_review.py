"""The demo's bill review (issue 15), read through the API: the last complete month's bills of every
station with a customer, reviewed; suspects of every rule; some confirmed (→ errors in audit_link),
some cleared, the rest open; some stations ready, some not; errors found later on unflagged bills."""

from __future__ import annotations

from collections import Counter

from services.demo.review_bills import RULES
from shared.testing.plugin import token
from tests.integration.demo.test_load import _all

ADMIN = token("admin")


async def test_the_demo_reviews_a_month_of_bills(demo) -> None:
    client, summary = demo
    period, review = summary.periods[-1], summary.review
    assert review is not None and review.period == period

    readiness = (await client.get(f"/api/v1/review/{period}/readiness", headers=ADMIN)).json()["items"]
    assert sum(u["bills"] for u in readiness) == summary.customers == review.bills  # one bill per customer
    assert {u["ready"] for u in readiness} == {True, False}
    assert all(u["reviewed_at"] is not None for u in readiness)

    suspects = await _all(client, f"/api/v1/review/{period}/suspects")
    by_rule = Counter(s["rule"] for s in suspects)
    assert set(by_rule) == set(RULES)
    assert len({s["bill_id"] for s in suspects}) <= 0.05 * review.bills  # a few bills in the month, not many
    states = Counter(s["state"] for s in suspects)
    assert states["confirmed"] == review.confirmed >= 1 and states["cleared"] == review.cleared >= 1
    assert states["open"] == review.open >= 1

    # each confirmed suspect became an error in audit_link, with its customer, through the event
    errors = {e["id"]: e for e in await _all(client, "/api/v1/errors", period=period)}
    for s in (s for s in suspects if s["state"] == "confirmed"):
        assert errors[s["error_id"]]["customer_no"] == s["customer_no"]

    body = (await client.get("/api/v1/review/effectiveness", headers=ADMIN, params={"first": period})).json()
    assert {i["rule"] for i in body["items"]} == set(RULES)
    assert sum(i["raised"] for i in body["items"]) == len(suspects)
    (month,) = body["periods"]
    assert month["from_review"] == review.confirmed and month["misses"] == review.misses >= 2
    assert month["errors"] == review.confirmed + review.misses
