"""The audit_link service."""
