"""The monthly bulletin (通报): a composition above scoring, audit_link and alerts, read only through
their HTTP APIs, rendered as HTML, PDF (WeasyPrint) and XLSX."""
