"""revoked_sign_in: sign-outs every hosted instance refuses (issue 13, hosted)

Revision ID: 0002_h5_revocation
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002_h5_revocation"
down_revision: str | None = "0002_h7_footprint"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision (nothing to do on a database whose tables create_all made from the current models, e.g.
    the demo built directly and then stamped with the baseline by data/migrate.py)."""
    if "revoked_sign_in" in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        "revoked_sign_in",
        sa.Column("sign_in", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sign_in"),
    )
    with op.batch_alter_table("revoked_sign_in", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_revoked_sign_in_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("revoked_sign_in", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revoked_sign_in_expires_at"))
    op.drop_table("revoked_sign_in")
