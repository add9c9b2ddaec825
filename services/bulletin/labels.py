"""Chinese names of the codes the services return."""

from __future__ import annotations

LIGHTS = {"green": "绿灯", "yellow": "黄灯", "red": "红灯", "none": "无数据"}
LEVELS = {"city": "市局", "county": "县区局", "station": "供电所"}
CATEGORIES = {"reading": "抄表差错", "tariff": "电价差错", "billing_parameter": "计费参数差错",
              "collection": "收费差错", "other": "其他差错"}
ACCOUNTABILITY = {"reminder": "提醒", "notice": "通报", "assessment": "考核", "accountability": "问责",
                  None: "未定级"}
TICKET_STATES = {"issued": "已派发", "coordinated": "已协调", "received": "已接收", "investigating": "调查中",
                 "reported": "已上报", "closed": "已关闭"}
TICKET_REASONS = {"low_score": "评分偏低", "repeated_red_indicator": "指标连续红灯",
                  "unrectified_anomalies": "异常未整改", "manual": "人工派发"}
SEVERITIES = {"critical": "严重", "warning": "警告", "info": "提示"}
ALERT_STATES = {"firing": "告警中", "suppressed": "已静默/抑制", "acknowledged": "已确认", "resolved": "已解除"}

# the facts a score stands on (scoring's counters), for "数据不全：缺 …"; other codes are shown as given
FACTS = {"readings_planned": "应抄户数", "readings_done": "实抄户数", "uploads_overdue": "超期上传",
         "one_stop_due": "一站式应办", "one_stop_done": "一站式已办", "bills_issued": "发行账单数",
         "bills_erroneous": "差错账单数", "anomalies_overdue": "超期异常", "receivable_rollbacks": "应收退补",
         "recon_due": "应对账", "recon_done": "已对账", "writeoffs_next_day": "次日销账", "recovery": "电费回收数据"}


def name_of(table: dict, code: object) -> str:
    return table.get(code, str(code))


def incomplete_note(missing: tuple[str, ...] | list[str]) -> str:
    """How an incomplete unit is marked wherever it is listed (HTML, PDF, XLSX alike)."""
    return "数据不全" + (f"（缺：{'、'.join(name_of(FACTS, m) for m in missing)}）" if missing else "")
