"""Pytest plugin and helpers: real PostgreSQL and Kafka for the tests."""
