"""Accessibility as OpenStreetMap/Wheelmap values: wheelchair (yes|limited|no),
toilets:wheelchair and audio_loop (yes|no) replace the yes/no columns step_free,
accessible_toilet and hearing_loop; seating goes (not an OSM fact of a venue; see
models/accessibility.py); an index on offers.updated_at for the web's feeds

Existing rows are converted: step-free -> wheelchair=yes, not step-free -> no; the toilet and
the hearing loop keep their yes/no. Downgrading maps "limited" (one step) to not step-free.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

WHEELCHAIR = sa.Enum("yes", "limited", "no", name="wheelchair", native_enum=False, length=16)
YESNO = sa.Enum("yes", "no", name="yesno", native_enum=False, length=16)
_PAIRS = (
    ("step_free", "wheelchair"),
    ("accessible_toilet", "toilets_wheelchair"),
    ("hearing_loop", "audio_loop"),
)


def upgrade() -> None:
    with op.batch_alter_table("offers") as batch:
        batch.add_column(sa.Column("wheelchair", WHEELCHAIR, nullable=True))
        batch.add_column(sa.Column("toilets_wheelchair", YESNO, nullable=True))
        batch.add_column(sa.Column("audio_loop", YESNO, nullable=True))
    offers = sa.table("offers", *(sa.column(c) for pair in _PAIRS for c in pair))
    for old, new in _PAIRS:
        column = offers.c[old]
        op.execute(
            offers.update().values(
                {
                    new: sa.case(
                        (column == sa.true(), "yes"), (column == sa.false(), "no"), else_=None
                    )
                }
            )
        )
    with op.batch_alter_table("offers") as batch:
        for old, _ in _PAIRS:
            batch.drop_column(old)
        batch.drop_column("seating")
    # Feeds answer "not modified" from the newest change: an index makes that one look-up.
    op.create_index("ix_offers_updated_at", "offers", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_offers_updated_at", table_name="offers")
    with op.batch_alter_table("offers") as batch:
        for old, _ in _PAIRS:
            batch.add_column(sa.Column(old, sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("seating", sa.Boolean(), nullable=True))
    offers = sa.table("offers", *(sa.column(c) for pair in _PAIRS for c in pair))
    for old, new in _PAIRS:
        column = offers.c[new]
        op.execute(
            offers.update().values(
                {
                    old: sa.case(
                        (column == "yes", sa.true()),
                        (column.in_(("no", "limited")), sa.false()),
                        else_=None,
                    )
                }
            )
        )
    with op.batch_alter_table("offers") as batch:
        for _, new in _PAIRS:
            batch.drop_column(new)
