"""Datasets of annotation answers in a real database: SQLite by default, PostgreSQL by URL.

`database.Database` holds the schema and every query (SQLAlchemy Core, so one code path
serves both); `inputs` turns an input spec `dataset:NAME` into records for the batch steps.
SQLAlchemy and Alembic are core dependencies (datasets are part of every install); psycopg,
for PostgreSQL, comes with the `app` extra and is imported only when such a database is opened.
"""
