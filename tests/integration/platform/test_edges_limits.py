"""Bounded input before work (issue 11.3), over the real embedded app: body limits counted as bytes
arrive (413 before authentication and parsing), header size (431), line limits of imports (422 naming
the line), and imports in UTF-8, UTF-8 with BOM and GB18030/GBK (declared or detected)."""

from __future__ import annotations

import asyncio
import json
import resource
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from shared.settings import Settings
from shared.testing.plugin import token
from tests.helpers import SMALL_BUREAU_ORG, EmbeddedClient, embedded_client

ADMIN = token("admin")
MiB = 1024 * 1024
READINGS_HEADER = "unit,task_id,planned_day,uploaded_at,exception_approved,one_stop_due,one_stop_done\n"


class Body:
    """A request body of `total` bytes made on demand, 1 MiB at a time; counts what the app pulled."""

    def __init__(self, total: int, chunk: bytes = b"x" * MiB, head: bytes = b"") -> None:
        self.total, self.chunk, self.head, self.sent = total, chunk, head, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.head:
            self.sent += len(self.head)
            yield self.head
        while self.sent < self.total:
            self.sent += len(self.chunk)
            yield self.chunk


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[EmbeddedClient]:
    async with embedded_client(settings, request_timeout_s=30) as client:
        r = await client.post("/api/v1/org-units", json={"units": SMALL_BUREAU_ORG}, headers=ADMIN)
        assert r.status_code == 200, r.text
        yield client


@pytest.mark.parametrize(("path", "headers", "status"), [
    ("/api/v1/errors", {"Content-Type": "application/json"}, 413),  # JSON route: 1 MiB, no token needed to refuse
    ("/api/v1/facts/2026-10/records/readings", {"Content-Type": "text/csv"}, 401),  # import: auth before reading
    ("/api/v1/credit/import/bills", {"Content-Type": "text/csv"}, 401),
])
async def test_a_200_mb_body_without_a_token_is_refused_without_being_read(
        app: httpx.AsyncClient, path: str, headers: dict[str, str], status: int) -> None:
    body, rss_before = Body(200 * MiB), _peak_rss_mib()
    started = time.perf_counter()
    r = await app.post(path, content=body, headers=headers)  # streamed: no Content-Length
    elapsed = time.perf_counter() - started
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert body.sent <= 2 * MiB, f"the app pulled {body.sent} bytes"
    assert elapsed < 2.0
    assert _peak_rss_mib() - rss_before < 50


async def test_content_length_over_the_limit_is_refused_up_front(app: httpx.AsyncClient) -> None:
    body = Body(3 * MiB)
    r = await app.post("/api/v1/errors", content=body, headers={"Content-Length": str(3 * MiB), **ADMIN,
                                                                 "Content-Type": "application/json"})
    assert r.status_code == 413 and body.sent == 0
    assert r.json()["errors"] == [{"field": "body", "message": f"不得超过 {MiB} 字节"}]


async def test_import_limit_applies_to_files_and_batches(settings: Settings) -> None:
    small = settings.model_copy(update={"http_max_import_bytes": 4 * MiB})
    async with embedded_client(small, request_timeout_s=30) as client:
        line = b"QY-QC-01,t,2026-10-05,,,,\n"
        body = Body(64 * MiB, line * (MiB // len(line)), head=READINGS_HEADER.encode())
        r = await client.post("/api/v1/facts/2026-10/records/readings", content=body,
                              headers={**ADMIN, "Content-Type": "text/csv"})
        assert r.status_code == 413, r.text
        assert body.sent <= 5 * MiB
        # a JSON batch that may carry thousands of rows is an import too: 2 MiB of counters pass the 1 MiB JSON limit
        rows = [{"unit": "QY-QC-01", "counters": {"readings_planned": i}} for i in range(40000)]
        r = await client.put("/api/v1/facts/2026-10/counters", json={"batch_id": "big", "rows": rows}, headers=ADMIN)
        assert r.status_code != 413, r.text


async def test_oversized_headers_get_431(app: httpx.AsyncClient) -> None:
    r = await app.get("/api/v1/errors", headers={**ADMIN, "X-Padding": "p" * (300 * 1024)})
    assert r.status_code == 431, r.text
    assert r.json()["errors"][0]["field"] == "headers"


async def test_a_csv_without_a_newline_is_refused_at_the_line_limit(app: httpx.AsyncClient) -> None:
    body = Body(200 * MiB)
    started = time.perf_counter()
    r = await app.post("/api/v1/facts/2026-10/records/readings", content=body,
                       headers={**ADMIN, "Content-Type": "text/csv"})
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0] == {"field": "line 1", "line": 1,
                                     "message": "第 1 行超过 65536 字节 (line 1 is longer than 65536 bytes)"}
    assert body.sent <= 2 * MiB and time.perf_counter() - started < 5


@pytest.mark.parametrize("path", ["/api/v1/facts/2026-10/records/readings", "/api/v1/credit/import/customers",
                                  "/api/v1/review/2026-10/bills"])
async def test_a_header_line_over_128_kb_names_line_1(app: httpx.AsyncClient, path: str) -> None:
    r = await app.post(path, content=("a," * 70000 + "\nQY-QC-01\n").encode(),
                       headers={**ADMIN, "Content-Type": "text/csv"})
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "line 1"


async def test_a_long_line_further_down_and_a_long_quoted_field_are_named(app: httpx.AsyncClient) -> None:
    ok = "QY-QC-01,t{},2026-10-05,,,,\n"
    body = READINGS_HEADER + "".join(ok.format(i) for i in range(5)) + "QY-QC-01," + "z" * 70000 + "\n"
    r = await app.post("/api/v1/facts/2026-10/records/readings", content=body.encode(),
                       headers={**ADMIN, "Content-Type": "text/csv"})
    assert r.status_code == 422 and r.json()["errors"][0]["line"] == 7, r.text
    quoted = READINGS_HEADER + 'QY-QC-01,"' + "multi\nline\n" * 7000 + '",2026-10-05,,,,\n'
    r = await app.post("/api/v1/facts/2026-10/records/readings", content=quoted.encode(),
                       headers={**ADMIN, "Content-Type": "text/csv"})
    assert r.status_code == 422 and r.json()["errors"][0]["line"] == 2, r.text


async def test_a_nul_byte_in_a_file_names_its_line(app: httpx.AsyncClient) -> None:
    body = READINGS_HEADER + "QY-QC-01,t1,2026-10-05,,,,\nQY-QC-01,t\x002,2026-10-05,,,,\n"
    r = await app.post("/api/v1/facts/2026-10/records/readings", content=body.encode(),
                       headers={**ADMIN, "Content-Type": "text/csv"})
    assert r.status_code == 422 and r.json()["errors"][0]["line"] == 3, r.text


ORG_CSV = "code,name,level,parent,area_type\nQY-QC-09,石角新所,station,QY-QC,rural\n"


@pytest.mark.parametrize(("content", "ctype", "encoding"), [
    (ORG_CSV.encode("gbk"), "text/csv", "gb18030"),  # Excel's default in China, detected
    (ORG_CSV.encode("gbk"), "text/csv; charset=GBK", "gb18030"),  # declared
    (ORG_CSV.encode("gb18030"), "text/csv; charset=gb18030", "gb18030"),
    ("\ufeff".encode() + ORG_CSV.encode(), "text/csv", "utf-8-sig"),
    (ORG_CSV.encode(), "text/csv; charset=utf-8", "utf-8"),
])
async def test_org_units_csv_in_every_encoding_excel_writes(
        app: httpx.AsyncClient, content: bytes, ctype: str, encoding: str) -> None:
    r = await app.post("/api/v1/org-units", content=content, headers={**ADMIN, "Content-Type": ctype})
    assert r.status_code == 200, r.text
    assert r.json() == {"upserted": 1, "encoding": encoding}
    units = {u["code"]: u for u in (await app.get("/api/v1/org-units", headers=ADMIN)).json()["items"]}
    assert units["QY-QC-09"]["name"] == "石角新所"


async def test_gbk_raw_records_and_credit_files_are_imported(app: httpx.AsyncClient) -> None:
    # 备注-free columns hold ASCII only, so the Chinese goes in the task ids: the rows count, the encoding is said
    body = READINGS_HEADER + "".join(f"QY-QC-01,抄表任务{i},2026-10-05,,,,\n" for i in range(3000))
    r = await app.post("/api/v1/facts/2026-10/records/readings", content=body.encode("gbk"),
                       headers={**ADMIN, "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    assert r.json()["rows"] == 3000 and r.json()["encoding"] == "gb18030"
    customers = "customer_no,unit,large\n客户甲,QY-QC-01,false\n客户乙,QY-QC-02,true\n"
    r = await app.post("/api/v1/credit/import/customers", content=customers.encode("gbk"),
                       headers={**ADMIN, "Content-Type": "text/csv"})
    assert r.status_code == 201, r.text
    assert r.json() == {"kind": "customers", "rows": 2, "encoding": "gb18030"}
    r = await app.get("/api/v1/credit/customers/客户乙", headers=ADMIN)
    assert r.status_code == 200 and r.json()["unit"] == "QY-QC-02"


@pytest.mark.parametrize("path", ["/api/v1/credit/import/customers", "/api/v1/review/2026-10/bills"])
async def test_a_charset_m2c_does_not_read_is_415(app: httpx.AsyncClient, path: str) -> None:
    r = await app.post(path, content=b"customer_no,unit\n",
                       headers={**ADMIN, "Content-Type": "text/csv; charset=latin-1"})
    assert r.status_code == 415 and "latin-1" in r.json()["detail"]


async def test_utf8_that_breaks_after_non_ascii_text_names_the_line(app: httpx.AsyncClient) -> None:
    body = "customer_no,unit\n客户甲,QY-QC-01\n".encode() + "客户乙,QY-QC-01\n".encode("gbk")
    r = await app.post("/api/v1/credit/import/customers", content=body,
                       headers={**ADMIN, "Content-Type": "text/csv; charset=utf-8"})
    assert r.status_code == 422 and r.json()["errors"][0]["line"] == 3, r.text


async def test_the_cli_import_reads_gbk_too(app: httpx.AsyncClient, settings: Settings, tmp_path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from services.scoring.entrypoints.cli import app as scoring_cli

    monkeypatch.setenv("M2C_DATABASE_URL", settings.required_database_url())
    monkeypatch.setenv("M2C_JWT_SECRET", settings.resolved_jwt_secret())
    good = tmp_path / "readings.csv"
    good.write_bytes((READINGS_HEADER + "QY-QC-01,抄表一,2026-10-05,,,,\n").encode("gbk"))
    result = await asyncio.to_thread(CliRunner().invoke, scoring_cli,
                                     ["import", "readings", str(good), "--period", "2026-10"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["encoding"] == "gb18030" and json.loads(result.stdout)["rows"] == 1
    bad = tmp_path / "long.csv"
    bad.write_bytes(READINGS_HEADER.encode() + b"x" * 70000 + b"\n")
    result = await asyncio.to_thread(CliRunner().invoke, scoring_cli,
                                     ["import", "readings", str(bad), "--period", "2026-10"])
    assert result.exit_code == 2 and '"line": 2' in result.output


async def test_the_org_unit_csv_is_bounded_while_read(app: httpx.AsyncClient) -> None:
    body = Body(100 * MiB, b"QY-QC-01,x,station,QY-QC,\n" * 40000, head=b"code,name,level,parent,area_type\n")
    r = await app.post("/api/v1/org-units", content=body, headers={**ADMIN, "Content-Type": "text/csv"})
    assert r.status_code == 413, r.text
    assert r.json()["errors"] == [{"field": "body", "message": f"不得超过 {2 * MiB} 字节"}]
    assert body.sent <= 4 * MiB
