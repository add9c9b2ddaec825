"""Bill files: streamed CSV (header in any order) or NDJSON, one transaction, row-and-column rejections."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.bill_review.conftest import ADMIN, HEADER, PERIOD, as_csv, as_ndjson, bill, post_bills, rows


async def _bills(client: httpx.AsyncClient) -> list[tuple]:
    return await rows(client, "SELECT unit, bill_id, kwh::text, meter_changed, last_month_kwh::text FROM review_bills"
                              " WHERE period = :p ORDER BY bill_id", p=PERIOD)


async def test_csv_with_columns_in_any_order_is_stored(org: httpx.AsyncClient) -> None:
    columns = ("amount", "kwh", "bill_id", "unit", "tariff_code", "category", "customer_no", "curr_reading",
               "prev_reading", "multiplier", "last_month_kwh", "meter_changed")
    body = as_csv([bill("b1", last_month_kwh="90"), bill("b2", "50", unit="QY-QC-02", meter_changed=True)], columns)
    r = await post_bills(org, body)
    assert r.status_code == 200, r.text
    assert r.json() == {"period": PERIOD, "bills": 2, "units": {"QY-QC-01": 1, "QY-QC-02": 1}, "encoding": "utf-8"}
    assert await _bills(org) == [("QY-QC-01", "b1", "100.00", False, "90.00"),
                                 ("QY-QC-02", "b2", "50.00", True, None)]


async def test_ndjson_is_stored(org: httpx.AsyncClient) -> None:
    r = await post_bills(org, [bill("n1"), bill("n2", kwh_peak="60", kwh_flat="40")], ndjson=True)
    assert r.status_code == 200, r.text
    assert [b[1] for b in await _bills(org)] == ["n1", "n2"]


async def test_a_file_replaces_the_bills_of_its_own_units_only(org: httpx.AsyncClient) -> None:
    await post_bills(org, [bill("a1"), bill("a2"), bill("b1", unit="QY-QC-02")])
    r = await post_bills(org, [bill("a3")])
    assert r.status_code == 200, r.text
    assert [(b[0], b[1]) for b in await _bills(org)] == [("QY-QC-01", "a3"), ("QY-QC-02", "b1")]


@pytest.mark.parametrize(("row", "column", "expected"), [
    ({"kwh": "lots"}, "kwh", "invalid input syntax for type numeric"),
    ({"kwh": ""}, "kwh", "kwh 必填"),
    ({"category": "martian"}, "category", "category 须为以下之一：resident"),
    ({"multiplier": "0"}, "multiplier", "multiplier 须为 > 0 的数值"),
    ({"meter_changed": "perhaps"}, "meter_changed", "invalid input syntax for type boolean"),
    ({"kwh": "NaN"}, "kwh", "kwh 须为数值（不能为 NaN）"),
    ({"prev_reading": "nan"}, "prev_reading", "prev_reading 须为 ≥ 0 的数值"),
    ({"amount": "1" * 40}, "amount", "amount 的值超出范围：整数部分最多 12 位"),
    ({"last_month_kwh": "Infinity"}, "last_month_kwh", "last_month_kwh 的值超出范围"),
])
async def test_one_bad_row_is_422_naming_row_and_column_and_nothing_is_written(
        org: httpx.AsyncClient, row: dict, column: str, expected: str) -> None:
    assert (await post_bills(org, [bill("keep")])).status_code == 200
    body = [bill("x1"), bill("x2"), {**bill("x3"), **row}, bill("x4")]
    for ndjson in (False, True):
        r = await post_bills(org, body, ndjson=ndjson)
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        (error,) = r.json()["errors"]
        assert (error["row"], error["column"], error["field"]) == (3, column, f"rows[3].{column}")
        assert error["line"] == (3 if ndjson else 4)
        assert expected in error["message"]
    assert [b[1] for b in await _bills(org)] == ["keep"]  # the earlier file's bill is still there


async def test_duplicate_bill_id_names_both_rows(org: httpx.AsyncClient) -> None:
    r = await post_bills(org, [bill("d0"), bill("d1"), bill("d2"), bill("d1", unit="QY-QC-02")])
    assert r.status_code == 422, r.text
    assert [(e["row"], e["field"]) for e in r.json()["errors"]] == [(2, "rows[2].bill_id"), (4, "rows[4].bill_id")]
    assert "第 2 行和第 4 行" in r.json()["errors"][0]["message"]
    assert await _bills(org) == []


async def test_bill_id_of_another_unit_is_refused(org: httpx.AsyncClient) -> None:
    await post_bills(org, [bill("s1", unit="QY-QC-02")])
    r = await post_bills(org, [bill("s0"), bill("s1")])
    assert r.status_code == 422
    (error,) = r.json()["errors"]
    assert error["row"] == 2 and "QY-QC-02" in error["message"]
    assert [b[1] for b in await _bills(org)] == ["s1"]


async def test_unknown_unit_is_refused_with_its_first_row(org: httpx.AsyncClient) -> None:
    r = await post_bills(org, [bill("u1"), bill("u2", unit="QY-XX-09"), bill("u3", unit="QY-XX-09")])
    assert r.status_code == 422
    (error,) = r.json()["errors"]
    assert (error["row"], error["column"]) == (2, "unit") and "QY-XX-09" in error["message"]
    r = await post_bills(org, [bill("u4", unit="QY-QC")])  # a county: bills belong to stations
    assert r.status_code == 422
    assert await _bills(org) == []


async def test_future_period_and_bad_header_are_refused(org: httpx.AsyncClient) -> None:
    r = await post_bills(org, [bill("f1")], period="2099-01")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "period"
    r = await post_bills(org, "unit,bill_id,kwh\nQY-QC-01,h1,3\n")
    assert r.status_code == 422
    (error,) = r.json()["errors"]
    assert error["field"] == "header" and "缺少列 customer_no" in error["message"]
    r = await post_bills(org, as_csv([bill("h2")]).replace("amount", "amount,colour", 1))
    assert r.status_code == 422 and "未知列 colour" in r.json()["errors"][0]["message"]
    r = await post_bills(org, as_csv([]))
    assert r.status_code == 422 and "文件中没有账单" in r.json()["errors"][0]["message"]
    assert await rows(org, "SELECT count(*) FROM review_units") == [(0,)]


async def test_rows_are_named_by_their_place_in_a_file_of_many_pages(org: httpx.AsyncClient) -> None:
    # The staged rows carry no row number: a row's number is its rank in the staging table (file order),
    # so name rows far into a file that fills many pages, in either format.
    many = [bill(f"m{i}", unit="QY-QC-01" if i % 2 else "QY-QC-02") for i in range(1, 3001)]
    twice = many[:2999] + [bill("m1500", unit="QY-QC-02")]
    unknown = many[:2499] + [bill("z1", unit="QY-XX-09")] + many[2499:]
    for ndjson in (False, True):
        r = await post_bills(org, twice, ndjson=ndjson)
        assert r.status_code == 422, r.text
        assert [e["row"] for e in r.json()["errors"]] == [1500, 3000]
        r = await post_bills(org, unknown, ndjson=ndjson)
        assert r.status_code == 422, r.text
        assert [(e["row"], e["column"]) for e in r.json()["errors"]] == [(2500, "unit")]
    assert (await post_bills(org, many[:1000])).status_code == 200
    other = [bill(f"n{i}", unit="QY-YD-01") for i in range(1, 2001)] + [bill("m999", unit="QY-YD-01")]
    r = await post_bills(org, other)
    assert r.status_code == 422 and r.json()["errors"][0]["row"] == 2001  # m999 is QY-QC-01's
    assert await rows(org, "SELECT count(*) FROM review_bills") == [(1000,)]


async def test_nan_in_ndjson_is_not_json(org: httpx.AsyncClient) -> None:
    body = as_ndjson([bill("j1")]) + '{"unit": "QY-QC-01", "bill_id": NaN}\n'
    r = await post_bills(org, body, ndjson=True)
    assert r.status_code == 422, r.text
    (error,) = r.json()["errors"]
    assert error["row"] == 2 and "NaN 不是 JSON 的数值" in error["message"]


async def test_a_gbk_file_as_excel_saves_it_is_read(org: httpx.AsyncClient) -> None:
    body = as_csv([bill("账单-1", customer_no="户号-1"), bill("账单-2", unit="QY-QC-02")]).encode("gbk")
    r = await org.post(f"/api/v1/review/{PERIOD}/bills", content=body, headers={**ADMIN, "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    assert r.json()["encoding"] == "gb18030" and r.json()["bills"] == 2
    assert await rows(org, "SELECT bill_id, customer_no FROM review_bills ORDER BY bill_id") == [
        ("账单-1", "户号-1"), ("账单-2", "C-账单-2")]


@pytest.mark.parametrize("ndjson", [False, True])
async def test_a_nul_byte_is_refused_naming_its_line_and_nothing_is_written(
        org: httpx.AsyncClient, ndjson: bool) -> None:
    body = (as_ndjson if ndjson else as_csv)([bill("n1"), bill("n2"), bill("n3")]).replace("n2", "n\x002")
    r = await post_bills(org, body, ndjson=ndjson)
    assert r.status_code == 422, r.text
    (error,) = r.json()["errors"]
    assert error["line"] == (2 if ndjson else 3) and "NUL" in error["message"]
    assert await _bills(org) == []


async def test_a_record_that_does_not_fit_the_header_is_named_in_chinese(org: httpx.AsyncClient) -> None:
    good = as_csv([bill("g1"), bill("g2")], HEADER[:10])  # amount last
    short = good.rstrip("\n").rsplit(",", 1)[0] + "\n"  # the last record lost its amount
    r = await post_bills(org, short)
    assert r.status_code == 422, r.text
    (error,) = r.json()["errors"]
    assert (error["row"], error["column"]) == (2, "amount")
    assert error["message"] == "这一行的列比表头少：缺少 amount 的值"
    r = await post_bills(org, good.replace("\n", ",9\n").replace(",9\n", "\n", 1))  # every record one too many
    assert r.status_code == 422, r.text
    (error,) = r.json()["errors"]
    assert (error["row"], error["column"], error["message"]) == (1, None, "这一行的列比表头多")
    assert await _bills(org) == []
