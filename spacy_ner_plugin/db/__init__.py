"""Datasets of annotation answers in a real database: SQLite by default, PostgreSQL by URL.

`database.Database` holds the schema and every query (SQLAlchemy Core, so one code path
serves both); `inputs` turns an input spec `dataset:NAME` into records for the batch steps.
SQLAlchemy (and psycopg for PostgreSQL) come with the `app` extra and are imported only when
a database is opened.
"""
