"""One entry point per format: a gathered bulletin → the document's bytes and media type."""

from __future__ import annotations

import asyncio
from typing import Literal

from services.bulletin import model

Format = Literal["html", "pdf", "xlsx"]
MEDIA_TYPES: dict[str, str] = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def render(bulletin: model.Bulletin, fmt: Format) -> bytes:
    if fmt == "xlsx":
        from services.bulletin.xlsx import render_xlsx

        return render_xlsx(bulletin)
    from services.bulletin.html import render_html

    page = render_html(bulletin)
    if fmt == "html":
        return page.encode()
    from services.bulletin.pdf import render_pdf

    return render_pdf(page)


async def render_async(bulletin: model.Bulletin, fmt: Format) -> bytes:
    """Rendering is CPU work (WeasyPrint takes a while): off the event loop."""
    return await asyncio.to_thread(render, bulletin, fmt)
