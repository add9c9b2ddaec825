"""Parts every m2c service stands on. Never imports `services`."""
