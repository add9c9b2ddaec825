"""HTTP parts shared by every service: problem+json, security, ops endpoints, app assembly."""
