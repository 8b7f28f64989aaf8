"""The survey store: waves, invitations, drafts and responses.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from copro_scale.serve.store import JSONText

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "waves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("instrument_id", sa.String(100), nullable=False),
        sa.Column("instrument_version", sa.String(50), nullable=False),
        sa.Column("status", sa.String(6), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("team_list", JSONText(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_waves_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waves")),
        sa.UniqueConstraint("label", name=op.f("uq_waves_label")),
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("form", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(6), nullable=False),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.CheckConstraint("form IN ('psw', 'colleague')", name=op.f("ck_invitations_form")),
        sa.CheckConstraint("kind IN ('single', 'open')", name=op.f("ck_invitations_kind")),
        sa.ForeignKeyConstraint(["wave_id"], ["waves.id"], ondelete="CASCADE",
                                name=op.f("fk_invitations_wave_id_waves")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitations_token_hash")),
    )
    op.create_index(op.f("ix_invitations_wave_id"), "invitations", ["wave_id"])
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("draft_key_hash", sa.String(64), nullable=False),
        sa.Column("answers", JSONText(), nullable=False),
        sa.Column("role", sa.String(100), nullable=True),
        sa.Column("months_in_role", sa.Integer(), nullable=True),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["invitation_id"], ["invitations.id"], ondelete="CASCADE",
                                name=op.f("fk_drafts_invitation_id_invitations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drafts")),
        sa.UniqueConstraint("draft_key_hash", name=op.f("uq_drafts_draft_key_hash")),
    )
    op.create_index(op.f("ix_drafts_invitation_id"), "drafts", ["invitation_id"])
    op.create_table(
        "responses",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("form", sa.String(10), nullable=False),
        sa.Column("role", sa.String(100), nullable=True),
        sa.Column("months_in_role", sa.Integer(), nullable=True),
        sa.Column("answers", JSONText(), nullable=False),
        sa.CheckConstraint("form IN ('psw', 'colleague')", name=op.f("ck_responses_form")),
        sa.ForeignKeyConstraint(["wave_id"], ["waves.id"], ondelete="CASCADE",
                                name=op.f("fk_responses_wave_id_waves")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_responses")),
        # SQLite: no rowid that would count arrivals (see store.Response).
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_responses_wave_id"), "responses", ["wave_id"])


def downgrade() -> None:
    for table in ("responses", "drafts", "invitations", "waves"):
        op.drop_table(table)
