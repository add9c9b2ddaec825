from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from services.alerts.domain.credit import Metrics, Standing, evaluate, grade_for, score

AS_OF = date(2026, 11, 20)


def test_grade_thresholds_at_their_boundaries() -> None:
    assert [grade_for(s) for s in (90, 89.99, 80, 79.99, 70, 69.99, 60, 59.99, 0)] == \
        ["AAA", "AA", "AA", "A", "A", "B", "B", "C", "C"]


def test_perfect_record_scores_100_and_arrears_lower_it() -> None:
    perfect = Metrics(12, 12, 0, 0, Decimal(0), Decimal(100), None)
    assert score(perfect) == 100.0
    assert score(Metrics(0, 0, 0, 0, Decimal(0), None, None)) is None
    late = Metrics(12, 6, 6, 12 * 30, Decimal(300), Decimal(100), None)
    assert score(late) == 20.0  # 40·½ + 0 + 0 + 0


def test_theft_forces_the_lowest_grade_and_bars_promotion_two_years() -> None:
    theft = Standing(theft_on=AS_OF - timedelta(days=10))
    assert theft.theft_on is not None
    ev = evaluate("AAA", 100.0, theft, AS_OF)
    assert ev.grade == "C" and ev.reasons == ["theft"] and ev.barred_until == theft.theft_on + timedelta(days=730)
    # 729 days later still forced; 731 days later free, but one grade at a time
    assert evaluate("C", 100.0, theft, theft.theft_on + timedelta(days=729)).grade == "C"
    later = theft.theft_on + timedelta(days=731)
    assert evaluate("C", 100.0, Standing(theft_on=theft.theft_on, barred_until=ev.barred_until), later).grade == "B"


def test_c_cannot_become_aaa_in_one_step() -> None:
    ev = evaluate("C", 100.0, Standing(), AS_OF)
    assert ev.grade == "B" and ev.reasons == ["one_grade_per_evaluation"]
    assert evaluate("B", 100.0, Standing(), AS_OF).grade == "A"


def test_down_at_once_new_customer_mid_scale_and_bars() -> None:
    assert evaluate("AAA", 59.99, Standing(), AS_OF).grade == "C"
    assert evaluate(None, None, Standing(), AS_OF).grade == "A"
    assert evaluate(None, 100.0, Standing(), AS_OF).grade == "AA"
    assert evaluate(None, 65.0, Standing(), AS_OF).downgraded_from(None)
    barred = Standing(barred_until=AS_OF + timedelta(days=1))
    assert evaluate("B", 100.0, barred, AS_OF).grade == "B"
    assert evaluate("B", 100.0, barred, AS_OF + timedelta(days=1)).grade == "A"


def test_unpaid_three_months_and_illegal_use_force_c() -> None:
    assert evaluate("AA", 90.0, Standing(oldest_unpaid_due=AS_OF - timedelta(days=90)), AS_OF).grade == "C"
    assert evaluate("AA", 90.0, Standing(oldest_unpaid_due=AS_OF - timedelta(days=89)), AS_OF).grade == "AAA"
    ev = evaluate("AA", 90.0, Standing(illegal_use_on=AS_OF - timedelta(days=364)), AS_OF)
    assert ev.grade == "C" and ev.reasons == ["illegal_use"]
    assert evaluate("AA", 90.0, Standing(old_arrears_no_agreement=True), AS_OF).grade == "C"
