"""m2c services and what wires them together (CLI, embedded all-in-one)."""
