"""Alembic environment: runs on the connection :func:`copro_scale.serve.migrations.upgrade`
hands over (there is no alembic.ini)."""

from alembic import context

from copro_scale.serve.store import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things: batch mode copies the table instead.
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
