"""The central database's Alembic migrations (run by ``central.db.migrate``)."""
