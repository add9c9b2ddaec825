"""Chinese names of the codes that messages written by the API mention (error categories and natures,
ticket states and actions, org levels); the same words as the dashboard's labels. A code without a
name is shown as itself."""

from __future__ import annotations

ERROR_CATEGORY_ZH = {"reading": "抄表差错", "tariff": "电价差错", "billing_parameter": "计费参数差错",
                     "collection": "收费差错", "other": "其他差错"}
ERROR_NATURE_ZH = {"clerical": "笔误", "negligence": "工作疏忽", "violation": "违规操作", "fraud": "舞弊"}
TICKET_STATE_ZH = {"issued": "已下发", "coordinated": "已协调", "received": "已接收", "investigating": "核查中",
                   "reported": "已反馈", "closed": "已关闭"}
TICKET_ACTION_ZH = {"coordinate": "协调", "receive": "接收", "start_investigation": "开始核查", "report": "反馈结果",
                    "close": "关闭", "reopen": "重新打开"}
LEVEL_ZH = {"city": "市局", "county": "县区局", "station": "供电所"}


def zh(labels: dict[str, str], code: str) -> str:
    return labels.get(code, code)
