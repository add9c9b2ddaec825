"""Kafka topic names (before the optional `M2C_TOPIC_PREFIX`)."""

INTAKE = "m2c.intake.v1"
SCORING = "m2c.scoring.v1"
AUDIT = "m2c.audit.v1"
ALERTS = "m2c.alerts.v1"
REVIEW = "m2c.review.v1"
DLQ = "m2c.dlq.v1"

ALL = (INTAKE, SCORING, AUDIT, ALERTS, REVIEW, DLQ)
