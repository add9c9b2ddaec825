"""`POST /ops/dead-letters/replay`: dead letters back onto their topics, from inside the process.

The embedded mode's event log lives in the server's memory, so `m2c events replay-dlq` asks the
running server to replay; on Kafka the command reads the DLQ topic itself (no server needed).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query

from shared.auth import Principal
from shared.http.deps import get_runtime, require_roles
from shared.messaging.dead_letters import ReplayFilter
from shared.runtime import Runtime

router = APIRouter(tags=["ops"])


@router.post("/ops/dead-letters/replay")
async def replay_dead_letters(
    group: str | None = Query(None, description="Only letters this consumer group dead-lettered"),
    since: datetime | None = Query(None, description="Only letters dead-lettered at or after this time"),
    include_poison: bool = Query(False, description="Also messages that never parsed"),
    runtime: Runtime = Depends(get_runtime),
    _: Principal = Depends(require_roles("admin")),
) -> dict[str, Any]:
    report = await runtime.replay_dead_letters(ReplayFilter(group, since, include_poison))
    return report.as_dict()
