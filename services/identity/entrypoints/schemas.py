"""identity's request and response bodies."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from shared.validation import Timestamp


class SignInIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=63)
    password: str = Field(min_length=1, max_length=1000)


class UserOut(BaseModel):
    name: str
    display_name: str
    roles: list[str]
    units: list[str]
    disabled: bool = False
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None


class SessionOut(BaseModel):
    user: UserOut
    csrf_token: str = Field(description="Send it as X-CSRF-Token on every write made with the session cookie")
    expires_at: Timestamp


class WhoAmIOut(BaseModel):
    subject: str
    roles: list[str]
    units: list[str]
    user: UserOut | None = None


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=63)
    display_name: str = Field("", max_length=200)
    password: str = Field(min_length=1, max_length=1000)
    roles: list[str] = Field(min_length=1, max_length=10)
    units: list[str] = Field(default_factory=list, max_length=100)


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    display_name: str | None = Field(None, max_length=200)
    password: str | None = Field(None, min_length=1, max_length=1000)
    roles: list[str] | None = Field(None, min_length=1, max_length=10)
    units: list[str] | None = Field(None, max_length=100)
    disabled: bool | None = None


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200, description="Which system uses it, e.g. 营销系统")
    roles: list[str] = Field(min_length=1, max_length=10)
    units: list[str] = Field(default_factory=list, max_length=100)


class ApiKeyOut(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str
    roles: list[str]
    units: list[str]
    created_by: str
    created_at: Timestamp
    revoked_at: Timestamp | None
    last_used_at: Timestamp | None


class ApiKeyCreatedOut(ApiKeyOut):
    key: str = Field(description="The key itself — shown this once; m2c keeps only its hash")


class AuditEntryOut(BaseModel):
    id: int
    at: Timestamp
    actor: str
    roles: list[str]
    method: str
    path: str
    query: str | None
    status: int
    address: str | None
    user_agent: str | None
    correlation_id: str | None


class AuditTrailOut(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next (older) page")
