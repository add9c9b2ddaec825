"""The bulletin as XLSX: one sheet per section (after scoring's own report: bold frozen headers,
coloured lights), numbers kept as numbers so they can be summed."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from services.bulletin import model, numbers
from services.bulletin.labels import (
    ACCOUNTABILITY,
    ALERT_STATES,
    CATEGORIES,
    LEVELS,
    LIGHTS,
    SEVERITIES,
    TICKET_REASONS,
    TICKET_STATES,
    incomplete_note,
    name_of,
)

LIGHT_FILLS = {"green": "C6EFCE", "yellow": "FFEB9C", "red": "FFC7CE", "none": "D9D9D9"}
INCOMPLETE_FILL = "FBF6EC"
BOLD = Font(bold=True)
PERCENT = "0.00%"


def _sheet(wb: Workbook, title: str, header: Sequence[str], rows: Sequence[Sequence[Any]], empty: str):
    ws = wb.create_sheet(title)
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = BOLD
    for row in rows:
        ws.append(list(row))
    if not rows:
        ws.append([empty])
    for i, h in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, len(str(h)) * 2 + 2)
    ws.freeze_panes = "A2"
    return ws


def _fill_lights(ws, column: int, values: Sequence[str | None]) -> None:
    for i, light in enumerate(values, start=2):
        if light in LIGHT_FILLS:
            ws.cell(i, column).fill = PatternFill("solid", fgColor=LIGHT_FILLS[light])


def _percent_columns(ws, columns: Sequence[int]) -> None:
    for row in ws.iter_rows(min_row=2):
        for c in columns:
            row[c - 1].number_format = PERCENT


def _ranking(wb: Workbook, b: model.Bulletin, title: str, units: Sequence[model.RankedUnit]) -> None:
    header = ["排名", "单位编码", "单位名称", "上级单位", "总得分", "较上月", "回收率灯", "数据状态", *b.stage_names]
    ws = _sheet(wb, title, header, [
        [None if u.incomplete else u.rank, u.unit, u.name, u.parent_name or u.parent,
         "无数据" if u.score is None else u.score, u.change, name_of(LIGHTS, u.light) if u.light else None,
         incomplete_note(u.missing) if u.incomplete else "完整" if u.status == "complete" else None, *u.stages]
        for u in units], "本期无评分数据")
    _fill_lights(ws, 7, [u.light for u in units])
    for i, u in enumerate(units, start=2):
        if u.incomplete:
            ws.cell(i, 8).fill = PatternFill("solid", fgColor=INCOMPLETE_FILL)


def _review(wb: Workbook, b: model.Bulletin) -> None:
    """电费发行前审核: per rule, then the misses, then the stations not ready (see review.py)."""
    r = b.review
    header = ["项目", "疑点数", "已确认差错", "已排除", "待处理", "确认率"]
    if r is None:
        _sheet(wb, "发行前审核", header, [], "本期未开展电费发行前审核（无审核数据）")
        return
    rows: list[list[Any]] = [[x.title, x.raised, x.confirmed, x.cleared, x.open, x.confirmed_share]
                             for x in (*r.rules, r.total)]
    ws = _sheet(wb, "发行前审核", header, rows, "")
    _percent_columns(ws, (6,))
    for label, value in (("审核账单（张）", r.bills), ("导入账单供电所", len(r.units)), ("可发行供电所", r.ready),
                         ("未就绪供电所", len(r.not_ready)), ("未导入账单供电所", r.stations_without_bills),
                         ("事后登记差错（已审核账单）", r.errors), ("其中审核确认", r.from_review),
                         ("漏判（无规则标记）", r.misses)):
        ws.append([label, value])
    if r.not_ready:
        ws.append([])
        ws.append(["未就绪供电所名单", "账单数", "待处理疑点", "已确认", "已排除", "状态"])
        for u in r.not_ready:
            state = "有待处理疑点" if u.reviewed else "账单更新后未复核"
            ws.append([u.name, u.bills, u.open, u.confirmed, u.cleared, state])
    ws.column_dimensions["A"].width = 28


def render_xlsx(b: model.Bulletin) -> bytes:
    h = b.headline
    wb = Workbook()
    cover = wb.active
    cover.title = "概况"
    cover.append([f"{numbers.period_zh(b.period)}抄核收精细化考核通报"])
    cover["A1"].font = Font(bold=True, size=14)
    rows: list[list[Any]] = [["评分版本", b.revision if b.revision else "本期尚未评分"], ["评分方案", b.scheme],
                             ["范围", "、".join(b.scope) or "全局"], ["生成时间", numbers.when(b.generated_at)]]
    percents = []
    for t in h.top or (None,):
        # the top unit's own figures (the city for the whole bureau, the county for a county's reader)
        rows += [["考核单位", t.name if t else "无数据"], ["单位层级", name_of(LEVELS, t.level) if t else None],
                 ["综合得分", t.score if t and t.score is not None else "无数据"],
                 ["数据状态", (incomplete_note(t.missing) if t.status == "incomplete" else "完整")
                  if t and t.status else None],
                 ["回收率单位", t.name if t else "无数据"],
                 ["电费回收率", t.recovery_rate if t and t.recovery_rate is not None else "无数据"],
                 ["回收率目标", h.recovery_target],
                 ["是否达标", {True: "达标", False: "未达标", None: "无数据"}[t.recovery_met if t else None]]]
        percents += [len(rows) - 3, len(rows) - 2]  # 电费回收率, 回收率目标
    rows += [["参评供电所", h.stations_ranked], ["数据不全供电所（不排名）", h.stations_incomplete]]
    for lv in h.lights:
        rows += [[f"{name_of(LEVELS, lv.level)}{name_of(LIGHTS, k)}", lv.counts[k]] for k in model.LIGHT_KEYS]
    rows += [["差错件数", h.errors], ["差错金额（元）", float(h.errors_amount)],
             ["稽核传单", h.tickets_opened], ["已关闭传单", b.tickets.closed], ["超期传单", h.tickets_overdue],
             ["告警中", h.alerts_firing], ["其中严重", h.alerts.firing_critical],
             ["已静默/抑制", h.alerts.suppressed],
             ["告警口径", f"{h.alerts.definition}；截至 {numbers.when(h.alerts.at)}，非本月累计"]]
    for row in rows:
        cover.append(row)
    for r in percents:
        cover.cell(r + 2, 2).number_format = PERCENT  # rows[0] is the sheet's row 2 (after the title)
    cover.column_dimensions["A"].width = 18
    cover.column_dimensions["B"].width = 24
    _ranking(wb, b, "县区局排名", b.counties)
    _ranking(wb, b, "供电所排名", b.stations)
    light_header = ["单位编码", "单位名称", "层级", "灯", "累计回收率", "以前年度回收率", "陈欠回收进度"]
    ws = _sheet(wb, "回收率红黄绿灯", light_header,
                [[r.unit, r.name, name_of(LEVELS, r.level), name_of(LIGHTS, r.light or "none"), r.recovery_rate,
                  r.previous_years_rate, r.arrears_progress] for r in b.lights], "本期无电费回收数据")
    _fill_lights(ws, 4, [r.light for r in b.lights])
    _percent_columns(ws, (5, 6, 7))
    _sheet(wb, "主要失分", ["单位编码", "单位名称", "指标", "指标得分", "失分"],
           [[p.unit, p.name, p.indicator, p.score, p.points_lost] for p in b.losses], "本期无失分记录")
    _sheet(wb, "差错统计", ["维度", "分类", "件数", "金额（元）"],
           [["差错类别", name_of(CATEGORIES, t.key), t.count, float(t.amount)] for t in b.errors_by_category]
           + [["问责等级", name_of(ACCOUNTABILITY, t.key), t.count, float(t.amount)] for t in b.errors_by_level],
           "本期无差错记录")
    _sheet(wb, "稽核传单", ["项目", "张数"],
           [["本期传单", b.tickets.opened], ["已关闭", b.tickets.closed], ["超期未办结", b.tickets.overdue]]
           + [[name_of(TICKET_STATES, s), n] for s, n in b.tickets.by_state]
           + [[f"超期：{t.name}（{name_of(TICKET_REASONS, t.reason)}，{name_of(TICKET_STATES, t.state)}，"
               f"期限 {numbers.when(t.due_at)}，升级 {t.escalation_level} 级）", 1] for t in b.tickets.overdue_items],
           "本期无稽核传单")
    _sheet(wb, "重点告警", ["级别", "状态", "单位编码", "单位名称", "内容", "次数", "最近发生"],
           [[name_of(SEVERITIES, a.severity), name_of(ALERT_STATES, a.status), a.unit, a.name, a.summary, a.count,
             numbers.when(a.last_seen)] for a in b.alerts], "本期无告警")
    _review(wb, b)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
