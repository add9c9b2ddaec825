"""People and systems that call m2c: accounts, sessions, API keys, and the audit trail of writes."""
