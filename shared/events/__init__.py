"""The event contract between services: envelope, topics, one module of payload models per producer."""
