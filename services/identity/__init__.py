"""identity: accounts and sign-in for people, API keys for integrating systems, the audit trail of writes."""
