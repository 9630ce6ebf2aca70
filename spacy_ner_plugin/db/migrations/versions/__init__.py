"""The schema's revisions, oldest first (Alembic loads each module by its path)."""
