"""HTTP bodies of the alerts service."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.alerts.domain.channels import ChannelType
from services.alerts.domain.silences import regex_error
from shared.validation import Timestamp, UnitCode

Severity = Literal["info", "warning", "critical"]


class AlertOut(BaseModel):
    id: uuid.UUID
    fingerprint: str
    type: str
    unit: str
    severity: str
    state: str
    summary: str
    labels: dict[str, str]
    first_seen: Timestamp
    last_seen: Timestamp
    count: int
    source_event_ids: list[str]
    acked_by: str | None = None
    acked_at: Timestamp | None = None
    resolved_at: Timestamp | None = None
    status: Literal["firing", "suppressed", "acknowledged", "resolved"] | None = Field(
        None, description="The one definition: firing = state firing, not silenced, not inhibited")
    silenced: bool = False
    inhibited_by: str | None = Field(None, description="Fingerprint of the alert that inhibits this one")


class AlertPage(BaseModel):
    items: list[AlertOut]
    next_cursor: str | None


class HistoryOut(BaseModel):
    change: str
    at: Timestamp
    event_id: uuid.UUID | None
    actor: str | None
    severity: str
    state: str
    changes: dict[str, list[object]]
    silenced: bool
    inhibited: bool = False


class AlertDetail(AlertOut):
    history: list[HistoryOut]


class MatcherIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    value: str = Field(max_length=500)
    is_regex: bool = False

    @model_validator(mode="after")
    def _regex_compiles(self) -> MatcherIn:
        if self.is_regex and (problem := regex_error(self.value)):
            raise ValueError(f"value 不是有效的正则表达式：{problem}")
        return self


class SilenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    matchers: list[MatcherIn] = Field(min_length=1, max_length=20)
    starts_at: Timestamp | None = Field(None, description="Default: now")
    ends_at: Timestamp
    comment: str = Field("", max_length=1000)


class SilenceOut(BaseModel):
    id: uuid.UUID
    matchers: list[MatcherIn]
    starts_at: Timestamp
    ends_at: Timestamp
    comment: str
    created_by: str
    created_at: Timestamp


class MatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    types: list[str] = Field(default_factory=list, max_length=50, description="Empty: every type")
    min_severity: Severity = "info"
    unit_prefix: UnitCode | None = None


class WebhookChannel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["webhook"]
    url: str = Field(min_length=1, max_length=2000)
    secret: str = Field(min_length=16, max_length=500, description="HMAC-SHA256 key of X-M2C-Signature")


class KafkaChannel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["kafka"]


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    match: MatchIn = Field(default_factory=MatchIn)
    channel: WebhookChannel | KafkaChannel = Field(discriminator="type")
    repeat_interval_s: int | None = Field(None, ge=60, le=30 * 86400,
                                          description="Re-send a group with unacknowledged firing alerts this often")
    group_by: list[str] = Field(default_factory=lambda: ["unit", "type"], min_length=1, max_length=10,
                                description='Labels that split alerts into notification groups; ["..."]: one '
                                            "group per alert")
    group_wait_s: int = Field(30, ge=0, le=3600, description="A new group waits this long to collect a burst")
    group_interval_s: int = Field(300, ge=1, le=86400,
                                  description="After a notification, changes to the group wait this long")
    send_resolved: bool = Field(True, description="Notify when every alert of a group has resolved")
    escalation_policy_id: uuid.UUID | None = Field(None, description="Alerts this subscription accepts climb it")


class SecretRotationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    secret: str = Field(min_length=16, max_length=500, description="The new HMAC-SHA256 key")
    overlap_s: int = Field(86400, ge=0, le=7 * 86400,
                           description="How long the previous secret keeps signing beside the new one")


class ChannelOut(BaseModel):
    type: str
    url: str | None = None


class SubscriptionOut(BaseModel):
    id: uuid.UUID
    name: str
    match: MatchIn
    channel: ChannelOut
    repeat_interval_s: int | None
    group_by: list[str]
    group_wait_s: int
    group_interval_s: int
    send_resolved: bool
    escalation_policy_id: uuid.UUID | None
    created_at: Timestamp
    rotation_until: Timestamp | None = Field(
        None, description="During a secret rotation: until when deliveries also carry the previous secret's v1")


class AttemptOut(BaseModel):
    delivery_id: uuid.UUID
    attempt: int
    at: Timestamp
    status_code: int | None
    error: str | None
    duration_ms: float


class DeliveryOut(BaseModel):
    id: uuid.UUID
    alert_id: uuid.UUID | None = Field(None, description="The escalated alert; None for a group notification")
    group_key: str | None = None
    alert_count: int | None = None
    change: str
    state: str
    attempts: int
    created_at: Timestamp
    delivered_at: Timestamp | None
    last_error: str | None


class DeliveriesOut(BaseModel):
    deliveries: list[DeliveryOut]
    attempts: list[AttemptOut] = Field(description="The attempts of the deliveries on this page")
    next_cursor: str | None = None


class GroupOut(BaseModel):
    group_key: str
    labels: dict[str, str]
    alerts: int
    created_at: Timestamp
    last_sent_at: Timestamp | None
    next_flush_at: Timestamp | None


class ConditionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(min_length=1, max_length=100)
    op: Literal["=", "!=", "=~", ">=", ">", "<=", "<"]
    value: str | float | int

    def doc(self) -> dict:
        return {"label": self.label, "op": self.op, "value": str(self.value)}


class SeverityRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    type: str = Field(min_length=1, max_length=100, description="The alert type the rule calibrates")
    conditions: list[ConditionIn] = Field(default_factory=list, max_length=20, description="All must hold")
    severity: Severity


class SeverityRulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[SeverityRuleIn] = Field(max_length=200, description="In order; the first that applies wins")


class InhibitionRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    source_matchers: list[MatcherIn] = Field(min_length=1, max_length=20)
    target_matchers: list[MatcherIn] = Field(min_length=1, max_length=20)
    equal: list[str] = Field(default_factory=list, max_length=20,
                             description="Labels whose values source and target must share")


class InhibitionRulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[InhibitionRuleIn] = Field(max_length=200)


class RuleSetOut(BaseModel):
    kind: str
    rules: list[dict]
    version: int
    updated_by: str | None
    updated_at: Timestamp | None


class LevelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    after_working_hours: float = Field(gt=0, le=2000, description="Unacknowledged this long (working hours, "
                                                                    "09:00–17:00 on working days) after the "
                                                                    "previous level (level 1: after firing)")
    subscription_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50,
                                              description="Subscriptions (webhook or Kafka) this level notifies")
    org_levels_up: int | None = Field(None, ge=1, le=3,
                                      description="Also notify the subscriptions scoped to the unit this many "
                                                  "levels above the alert's unit (1: a station's county, 2: "
                                                  "the city), i.e. whose unit_prefix is that unit")

    @model_validator(mode="after")
    def _someone(self) -> LevelIn:
        if not self.subscription_ids and self.org_levels_up is None:
            raise ValueError("a level notifies subscription_ids, org_levels_up or both")
        return self


class EscalationPolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    types: list[str] = Field(default_factory=list, max_length=50,
                             description="Alert types that climb this policy (besides subscriptions naming it)")
    levels: list[LevelIn] = Field(min_length=1, max_length=10)
    repeat_cap: int = Field(1, ge=1, le=10, description="Rounds through all levels before the climb stops")
    fallback: bool = Field(False, description="Climb alerts of `types` only when no other policy applies to them "
                                              "(the default ticket policy is one)")


class EscalationPolicyOut(EscalationPolicyIn):
    model_config = ConfigDict(extra="ignore")
    id: uuid.UUID
    created_by: str
    created_at: Timestamp


class CountsOut(BaseModel):
    total: int
    by_severity: dict[str, int]
    by_type: dict[str, int]


class SummaryOut(BaseModel):
    definition: str = Field(description="What firing means here (and everywhere in m2c)")
    definition_zh: str = Field(description="The same definition in Chinese, as the bulletin states it")
    unit: str | None = Field(description="The subtree counted (None: all the caller may see)")
    at: Timestamp
    firing: CountsOut
    suppressed: CountsOut
    acknowledged: CountsOut
    resolved: CountsOut


class CreditHistoryOut(BaseModel):
    old_grade: str | None
    new_grade: str
    score: float | None
    reasons: list[str]
    at: Timestamp


class CustomerOut(BaseModel):
    customer_no: str
    unit: str
    grade: str | None
    score: float | None
    arrears: Decimal | None
    months_overdue: int | None
    reasons: list[str]
    barred_until: date | None
    at_risk: bool
    large: bool
    evaluated_at: Timestamp | None


class CustomerDetail(CustomerOut):
    history: list[CreditHistoryOut]


class RisksOut(BaseModel):
    items: list[CustomerOut]


class RecomputeOut(BaseModel):
    as_of: date
    changed: int
    downgraded: int
    at_risk: int


class ImportOut(BaseModel):
    kind: str
    rows: int
    encoding: str | None = Field(None, description="How the file was read: utf-8, utf-8-sig (BOM) or gb18030")


class ChannelsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    area_type: Literal["urban", "rural"]
    channel_types: list[ChannelType] = Field(max_length=20)


class UnitCompliance(BaseModel):
    unit: str
    area_type: str
    channel_types: list[str]
    offered: int
    target: int
    compliant: bool


class ComplianceOut(BaseModel):
    units: list[UnitCompliance]
    compliant: int
    total: int
