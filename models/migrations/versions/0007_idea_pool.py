"""The idea pool in the database, so moderators can keep it in chat; seeded with the seven ideas
the bot knew until now (texts from the message catalogues of that time)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# emoji, kind, German title and text, English title and text: frozen here, as the migration
# must seed the same rows whatever the code later says.
SEED = (
    (
        "☕",
        "cafe",
        "Adventscafé",
        (
            "Kaffee, Plätzchen und eine Kerze im Gemeindehaus oder im Feuerwehrhaus. Einmal pro "
            "Woche im Advent reicht schon."
        ),
        "Advent café",
        (
            "Coffee, biscuits and a candle in the parish hall or the fire station. Once a week in "
            "Advent is enough."
        ),
    ),
    (
        "🔥",
        "warm_room",
        "Warme Stube",
        (
            "Ein geheizter Raum, in den an kalten Nachmittagen alle kommen können. Eine Kanne Tee "
            "und ein paar Zeitungen – mehr braucht es nicht."
        ),
        "Warm room",
        (
            "A heated room that is open to everyone on cold afternoons. A pot of tea and a few "
            "newspapers, that is all it takes."
        ),
    ),
    (
        "🚶",
        "walk",
        "Gemeinsamer Spaziergang",
        (
            "Jede Woche zur gleichen Zeit am gleichen Ort treffen und eine kleine Runde gehen. "
            "Niemand muss allein laufen."
        ),
        "Walk together",
        (
            "Meet at the same place at the same time every week and walk a short round. Nobody has "
            "to go alone."
        ),
    ),
    (
        "🥧",
        "baking",
        "Backen für Nachbarn",
        (
            "Gemeinsam Plätzchen oder Kuchen backen und etwas davon zu Nachbarn bringen, die "
            "selten rauskommen."
        ),
        "Baking for neighbours",
        "Bake biscuits or a cake together and bring some to neighbours who rarely get out.",
    ),
    (
        "👵",
        "generations",
        "Generationen-Nachmittag",
        (
            "Jung und Alt spielen, singen oder erzählen zusammen – zum Beispiel mit der Kita oder "
            "der Schule."
        ),
        "Generations afternoon",
        (
            "Young and old play games, sing or tell stories together, for example with the nursery "
            "or the school."
        ),
    ),
    (
        "🎁",
        "creative",
        "Geschenkaktion",
        (
            "Kleine Geschenke sammeln oder basteln und persönlich verteilen – zum Beispiel zu "
            "Weihnachten an Menschen, die allein leben."
        ),
        "Gift action",
        (
            "Collect or make small presents and hand them out personally, for example at Christmas "
            "to people living alone."
        ),
    ),
    (
        "💬",
        "talk",
        "Erzählcafé",
        (
            "Bei Kaffee erzählen alle, wie es früher im Dorf war. Alte Fotos helfen beim "
            "Ins-Gespräch-Kommen."
        ),
        "Story café",
        (
            "Over coffee, people tell what the village used to be like. Old photos help to get "
            "talking."
        ),
    ),
)


def upgrade() -> None:
    ideas = op.create_table(
        "ideas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("emoji", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("title_de", sa.String(length=120), nullable=False),
        sa.Column("text_de", sa.String(length=1500), nullable=False),
        sa.Column("title_en", sa.String(length=120), nullable=False, server_default=""),
        sa.Column("text_en", sa.String(length=1500), nullable=False, server_default=""),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("changed_by", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by"],
            ["users.id"],
            name=op.f("fk_ideas_changed_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ideas")),
    )
    now = datetime.now(UTC).replace(tzinfo=None)  # stored as naive UTC (models.base)
    # No ids given: PostgreSQL's sequence then knows them, and the next idea gets the next one.
    op.bulk_insert(
        ideas,
        [
            {
                "emoji": emoji,
                "category": kind,
                "title_de": title_de,
                "text_de": text_de,
                "title_en": title_en,
                "text_en": text_en,
                "position": position,
                "hidden": False,
                "changed_by": None,
                "changed_at": now,
            }
            for position, (emoji, kind, title_de, text_de, title_en, text_en) in enumerate(
                SEED, start=1
            )
        ],
    )


def downgrade() -> None:
    op.drop_table("ideas")
