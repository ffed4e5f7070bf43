"""hospitals: a region's hospitals as records, a hospital nurse linked to hers (from her free-text workplace)

Revision ID: b7ce6e8c4f83
Revises: e8c4a2f6b901
Create Date: 2026-12-03 08:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7ce6e8c4f83'
down_revision = 'e8c4a2f6b901'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'hospital',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_hospital_region_id_region')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hospital')),
        sa.UniqueConstraint('region_id', 'name', name='uq_hospital_region_name'),
    )
    with op.batch_alter_table('hospital', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hospital_region_id'), ['region_id'], unique=False)
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hospital_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_user_account_hospital_id'), ['hospital_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_user_account_hospital_id_hospital'), 'hospital', ['hospital_id'], ['id'])

    # Each distinct (region, workplace) of the hospital nurses (a region and no municipality) becomes a hospital,
    # and they are linked to it; a nurse without a workplace stays unlinked (the administrator picks one).
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT id, region_id, workplace FROM user_account "
        "WHERE role = 'nurse' AND region_id IS NOT NULL AND municipality_id IS NULL AND workplace IS NOT NULL")).all()
    hospitals: dict[tuple[int, str], int] = {}
    for user_id, region_id, workplace in rows:
        name = " ".join(workplace.split())
        if not name:
            continue
        key = (region_id, name)
        if key not in hospitals:
            bind.execute(sa.text("INSERT INTO hospital (name, region_id, active) VALUES (:name, :region_id, :active)"),
                         {"name": name, "region_id": region_id, "active": True})
            hospitals[key] = bind.execute(sa.text(
                "SELECT id FROM hospital WHERE region_id = :region_id AND name = :name"),
                {"region_id": region_id, "name": name}).scalar_one()
        bind.execute(sa.text("UPDATE user_account SET hospital_id = :hospital_id, workplace = :name WHERE id = :id"),
                     {"hospital_id": hospitals[key], "name": name, "id": user_id})


def downgrade():
    # The nurses keep their workplace text (the hospital's name) and region.
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_account_hospital_id_hospital'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_user_account_hospital_id'))
        batch_op.drop_column('hospital_id')
    with op.batch_alter_table('hospital', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hospital_region_id'))
    op.drop_table('hospital')
