"""The bulletin as PDF: the HTML page printed by WeasyPrint."""

from __future__ import annotations


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # heavy (pango, fonts): loaded on first use only

    return HTML(string=html).write_pdf()
