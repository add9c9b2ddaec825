"""Outbox and relay, inbox, consumer loop, and the two transports (Kafka, in-process)."""
