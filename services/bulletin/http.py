"""GET /api/v1/reports/{period}.{fmt}: the monthly bulletin (通报) as HTML, PDF or XLSX.

Any authenticated role may read it; a unit-scoped token gets the bulletin filtered to its subtree
(rankings keep the bureau-wide ranks). Data comes from the services' HTTP APIs with a system token.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from services.bulletin.compose import make_bulletin
from services.bulletin.config import BulletinSettings
from services.bulletin.gather import SourceError
from services.bulletin.render import MEDIA_TYPES, Format
from services.bulletin.sources import open_sources
from shared.auth import Principal
from shared.http.deps import get_runtime, require_roles
from shared.http.problems import Problem
from shared.patterns import PERIOD_PATTERN
from shared.runtime import Runtime

PeriodPath = Annotated[str, Path(pattern=PERIOD_PATTERN, description="Month YYYY-MM",
                                 examples=["2026-10"])]


def make_router(settings: BulletinSettings) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["bulletin"])

    @router.get("/reports/{period}.{fmt}", response_class=Response, responses={200: {
        "content": {m.split(";")[0]: {} for m in MEDIA_TYPES.values()}, "description": "The monthly bulletin (通报)"}})
    async def bulletin(period: PeriodPath, fmt: Annotated[Format, Path(description="html | pdf | xlsx")],
                       request: Request, caller: Principal = Depends(require_roles()),
                       runtime: Runtime = Depends(get_runtime)) -> Response:
        """The period's bulletin: headline figures, rankings, lights, point losses, errors, tickets, alerts."""
        scope = caller.unit_prefixes() or ()
        try:
            async with open_sources(request.app, runtime.jwt_secret, settings) as sources:
                content = await make_bulletin(sources, period, fmt, settings, runtime.clock.now(),
                                              visible=caller.may_see, scope=tuple(scope))
        except SourceError as exc:
            raise Problem(502, "上游服务出错", f"通报所读取的服务出错：{exc}") from exc
        disposition = "inline" if fmt == "html" else "attachment"
        return Response(content, media_type=MEDIA_TYPES[fmt],
                        headers={"Content-Disposition": f'{disposition}; filename="m2c-{period}.{fmt}"'})

    return router
