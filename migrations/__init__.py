"""The one Alembic history of the m2c schema."""
