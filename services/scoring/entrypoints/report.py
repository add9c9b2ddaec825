"""The monthly bulletin (通报) as XLSX: county and station rankings, recovery lights, largest losses."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

LIGHT_FILLS = {"green": "C6EFCE", "yellow": "FFEB9C", "red": "FFC7CE"}
LIGHT_NAMES = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}
STATUS_NAMES = {"complete": "完整", "incomplete": "不完整"}
BOLD = Font(bold=True)


def _sheet(wb: Workbook, title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]):
    ws = wb.create_sheet(title)
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = BOLD
    for row in rows:
        ws.append(list(row))
    for i, h in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, len(str(h)) * 2 + 2)
    ws.freeze_panes = "A2"
    return ws


def _ranking(rows: Sequence[dict[str, Any]], level: str) -> list[list[Any]]:
    mine = sorted((r for r in rows if r["level"] == level), key=lambda r: (r["rank"] is None, r["rank"], r["unit"]))
    out = []
    for r in mine:
        stages = [s["score"] for s in r["detail"]["stages"]]
        out.append([r["rank"], r["unit"], r["detail"].get("name"), r["parent"],
                    "无数据" if r["score"] is None else r["score"], *stages,
                    STATUS_NAMES.get(r["detail"].get("status", "complete")), "、".join(r["detail"].get("missing", []))])
    return out


def build_report(period: str, revision: int, rows: Sequence[dict[str, Any]]) -> bytes:
    wb = Workbook()
    cover = wb.active
    cover.title = "概况"
    cover.append([f"{period} 抄核收精细化考核通报"])
    cover["A1"].font = Font(bold=True, size=14)
    cover.append(["评分版本", revision])
    cover.append(["县区局数", sum(r["level"] == "county" for r in rows)])
    cover.append(["供电所数", sum(r["level"] == "station" for r in rows)])
    cover.append(["不完整供电所数（不排名、不计入县区局平均）",
                  sum(r["level"] == "station" and r["detail"].get("status") == "incomplete" for r in rows)])
    for city in (r for r in rows if r["level"] == "city"):
        cover.append([f"{city['detail'].get('name') or city['unit']}得分（各县区局平均）",
                      "无数据" if city["score"] is None else city["score"]])
    stage_names = [s.get("name") or s["code"] for s in rows[0]["detail"]["stages"]] if rows else []
    header = ["排名", "单位编码", "单位名称", "上级单位", "总得分", *stage_names, "数据完整性", "缺少"]
    _sheet(wb, "县区局排名", header, _ranking(rows, "county"))
    _sheet(wb, "供电所排名", header, _ranking(rows, "station"))
    lit = sorted((r for r in rows if r["light"]), key=lambda r: (r["level"], r["unit"]))
    ws = _sheet(wb, "回收率红黄绿灯", ["单位编码", "单位名称", "灯", "累计回收率", "以前年度回收率", "陈欠回收进度"], [
        [r["unit"], r["detail"].get("name"), LIGHT_NAMES[r["light"]], (r["detail"].get("recovery") or {}).get(
            "recovery_rate"), (r["detail"].get("recovery") or {}).get("previous_years_rate"),
         (r["detail"].get("recovery") or {}).get("arrears_progress")] for r in lit])
    for i, r in enumerate(lit, start=2):
        ws.cell(i, 3).fill = PatternFill("solid", fgColor=LIGHT_FILLS[r["light"]])
    losses = [(r["unit"], r["detail"].get("name"), i["name"], i["score"], i["points_lost"])
              for r in rows if r["level"] == "station" for i in r["detail"]["indicators"] if i["points_lost"] > 0]
    losses.sort(key=lambda t: -t[4])
    _sheet(wb, "主要失分", ["单位编码", "单位名称", "指标", "指标得分", "失分"], losses[:50])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
