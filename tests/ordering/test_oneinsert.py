"""Writing new objects in one statement (stomi_app.oneinsert): the same rows a flush writes, or nothing at all."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import JSON, Column, ForeignKey, Integer, Sequence, String, Table, func, inspect, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, WriteOnlyMapped, mapped_column, relationship

from fulfilment.models import InstructionLine, OutboxMessage, WarehouseInstruction
from stomi_app import audit
from stomi_app.db import utcnow
from stomi_app.extensions import db
from stomi_app.models import AuditEvent, Order, OrderChannel, OrderEvent, OrderLine, OrderStatus
from stomi_app.oneinsert import write_new
from stomi_app.timeutil import local_today
from tests.dbutil import count_statements

def on_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def new_order(citizen, shop, quantities=((0, 2), (1, 3))):
    """A new order of bag_a and bag_b with its first event, built as ordering builds one, not yet written."""
    variants = [shop.bag_a, shop.bag_b]
    order = Order(citizen_id=citizen.id, status=OrderStatus.ACCEPTED, idempotency_key=f"k-{citizen.id}-{len(quantities)}",
                  channel=OrderChannel.WEB, delivery_name=citizen.name, delivery_address=citizen.address,
                  delivery_postcode=citizen.postcode, delivery_city=citizen.city)
    for index, quantity in quantities:
        variant = variants[index]
        order.lines.append(OrderLine(variant_id=variant.id, quantity=quantity, article_number=variant.article_number,
                                     product_name="Calma lukket pose", unit_price_oere=45000 + index, vat_rate_pct=25,
                                     routing="within_grant"))
    order.events.append(OrderEvent(from_status=OrderStatus.DRAFT, to_status=OrderStatus.ACCEPTED, by_citizen=True,
                                   reason="within_grant"))
    return order


def stored(order_id: int) -> tuple:
    """The order as the database holds it, without keys and clock times."""
    db.session.expire_all()
    order = db.session.get(Order, order_id)
    return (order.citizen_id, order.status, order.channel, order.delivery_address, order.express, order.created_at is not None,
            [(line.variant_id, line.quantity, line.article_number, line.unit_price_oere, line.routing) for line in order.lines],
            [(event.from_status, event.to_status, event.reason, event.at is not None) for event in order.events])


def test_a_new_order_is_written_in_one_statement_as_the_flush_writes_it(citizen, shop):
    if not on_postgresql():
        pytest.skip("one statement is PostgreSQL's (data-modifying CTEs); other engines flush")
    flushed = new_order(citizen, shop)
    db.session.add(flushed)
    db.session.flush()
    by_flush = stored(flushed.id)

    order = new_order(citizen, shop, quantities=((0, 2), (1, 3)))
    order.idempotency_key = "second"
    db.session.add(order)
    with count_statements(db.engine) as statements:
        assert write_new(db.session) is True
    assert len(statements) == 1
    # As after a flush: keys and foreign keys set, persistent, nothing pending, defaults filled in.
    assert not db.session.new and all(inspect(o).persistent for o in [order, *order.lines, *order.events])
    assert [line.order_id for line in order.lines] == [order.id, order.id] and order.events[0].order_id == order.id
    assert order.lines[0].id < order.lines[1].id  # written in the order of the list
    assert order.created_at is not None
    db.session.commit()
    assert stored(order.id) == by_flush


def test_an_accepted_order_writes_its_instruction_lines_and_outbox_row_in_the_same_statement(citizen, shop):
    if not on_postgresql():
        pytest.skip("one statement is PostgreSQL's")
    order = new_order(citizen, shop, quantities=((0, 1), (1, 4)))
    instruction = WarehouseInstruction(order=order, requested_delivery_date=local_today(), promised_working_days=2,
                                       delivery_name="A", delivery_address="B", delivery_postcode="8000",
                                       delivery_city="Aarhus C", packing_note="x")
    for line in order.lines:
        instruction.lines.append(InstructionLine(variant_id=line.variant_id, article_number=line.article_number,
                                                 gtin="5701234000013", quantity=line.quantity, pack_size=30, unit="box"))
    instruction.outbox = OutboxMessage(idempotency_key="outbox-1", next_attempt_at=utcnow())
    db.session.add(order)
    db.session.add(instruction)
    with count_statements(db.engine) as statements:
        assert write_new(db.session) is True
    assert len(statements) == 1
    db.session.commit()
    db.session.expire_all()
    written = db.session.scalar(select(WarehouseInstruction).where(WarehouseInstruction.order_id == order.id))
    assert [(l.article_number, l.quantity) for l in written.lines] == [("NL-100", 1), ("NL-101", 4)]
    assert written.outbox.instruction_id == written.id and written.outbox.idempotency_key == "outbox-1"


def test_a_new_object_only_the_session_holds_is_written(citizen, shop):
    if not on_postgresql():
        pytest.skip("one statement is PostgreSQL's")
    db.session.add(new_order(citizen, shop))
    audit.record(None, "read", "order by phone", citizen)  # nothing but the session holds the audit event
    assert write_new(db.session) is True
    db.session.commit()
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 1


def test_a_session_with_a_changed_object_is_left_to_the_flush(citizen, shop):
    order = new_order(citizen, shop)  # reads the citizen first: a read after the change would autoflush it
    citizen.phone = "12345678"
    db.session.add(order)
    with count_statements(db.engine) as statements:
        assert write_new(db.session) is False
    assert statements == []  # nothing written half-way
    db.session.flush()
    assert db.session.scalar(select(func.count(OrderLine.id))) == 2


def test_several_new_parents_are_left_to_the_flush(citizen, shop):
    first, second = new_order(citizen, shop), new_order(citizen, shop, quantities=((1, 5),))
    db.session.add_all([first, second])
    assert write_new(db.session) is False
    db.session.flush()
    assert [l.order_id for l in first.lines] == [first.id, first.id] and second.lines[0].order_id == second.id


def test_other_engines_flush(citizen, shop):
    if on_postgresql():
        pytest.skip("this engine writes in one statement")
    db.session.add(new_order(citizen, shop))
    assert write_new(db.session) is False
    assert db.session.scalar(select(func.count(Order.id))) == 1  # the autoflush of the count wrote it as usual


def test_nothing_new_is_nothing_to_write(citizen, shop):
    assert write_new(db.session) is False


# --- models of other shapes than the ordering tables' --------------------------------------------------------------

class Scratch(DeclarativeBase):
    """Tables of the tests' own, made in a test's transaction (PostgreSQL's DDL is transactional) and gone with its rollback."""


class Coded(Scratch):
    """A key the database makes, but not from a sequence: the keys do not sort as the rows were written."""

    __tablename__ = "scratch_coded"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=text("gen_random_uuid()"))
    n: Mapped[int]


class Numbered(Scratch):
    """A key the application gives."""

    __tablename__ = "scratch_numbered"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    n: Mapped[int]


class Counted(Scratch):
    __tablename__ = "scratch_counted"
    id: Mapped[int] = mapped_column(Sequence("scratch_counted_ids", start=1000), primary_key=True)
    n: Mapped[int]


class Noted(Scratch):
    __tablename__ = "scratch_noted"
    id: Mapped[int] = mapped_column(primary_key=True)
    note: Mapped[dict | None] = mapped_column(JSON)


class Versioned(Scratch):
    __tablename__ = "scratch_versioned"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int | None] = mapped_column()
    __mapper_args__ = {"version_id_col": version}


def _ten_times_n(context):
    return context.get_current_parameters()["n"] * 10


class Derived(Scratch):
    """A default computed from the row being inserted: it needs the flush's execution context."""

    __tablename__ = "scratch_derived"
    id: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int]
    tens: Mapped[int] = mapped_column(default=_ten_times_n)


class Shelf(Scratch):
    """A write-only collection keeps its new members outside the object's dict."""

    __tablename__ = "scratch_shelf"
    id: Mapped[int] = mapped_column(primary_key=True)
    books: WriteOnlyMapped["Book"] = relationship()


class Book(Scratch):
    __tablename__ = "scratch_book"
    id: Mapped[int] = mapped_column(primary_key=True)
    shelf_id: Mapped[int | None] = mapped_column(ForeignKey(Shelf.id))


class Album(Scratch):
    """A row that names one of its photos as its cover: written first, the cover's key set by a later UPDATE."""

    __tablename__ = "scratch_album"
    id: Mapped[int] = mapped_column(primary_key=True)
    cover_id: Mapped[int | None] = mapped_column(ForeignKey("scratch_photo.id", use_alter=True))
    photos: Mapped[list["Photo"]] = relationship(foreign_keys="Photo.album_id")
    cover: Mapped["Photo | None"] = relationship(foreign_keys=[cover_id], post_update=True)


class Photo(Scratch):
    __tablename__ = "scratch_photo"
    id: Mapped[int] = mapped_column(primary_key=True)
    album_id: Mapped[int] = mapped_column(ForeignKey(Album.id))


_renamed = Table("scratch_renamed", Scratch.metadata, Column("id", Integer, primary_key=True),
                 Column("label_text", String(20), key="label_key"))


class Renamed(Scratch):
    """Attributes named otherwise than their columns' keys, and a column key other than its name."""

    __table__ = _renamed
    ident = _renamed.c.id
    label = _renamed.c.label_key
    parts = relationship("RenamedPart", back_populates="whole")


class RenamedPart(Scratch):
    __tablename__ = "scratch_renamed_part"
    id: Mapped[int] = mapped_column(primary_key=True)
    whole_ref: Mapped[int] = mapped_column("whole_col", ForeignKey("scratch_renamed.id"))
    whole = relationship(Renamed, back_populates="parts")


class Animal(Scratch):
    """Single-table inheritance: a subclass's own columns and defaults live in the same table."""

    __tablename__ = "scratch_animal"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    wings: Mapped[int | None] = mapped_column()
    __mapper_args__ = {"polymorphic_on": kind, "polymorphic_identity": "animal"}


class Bird(Animal):
    __mapper_args__ = {"polymorphic_identity": "bird"}


@pytest.fixture
def scratch(ctx):
    if not on_postgresql():
        pytest.skip("other engines always flush")
    Scratch.metadata.create_all(db.session.connection())


def test_keys_that_do_not_sort_as_the_rows_were_written_are_left_to_the_flush(scratch):
    coded = [Coded(n=n) for n in range(8)]
    numbered = [Numbered(id=5, n=5), Numbered(id=3, n=3)]
    db.session.add_all([*coded, *numbered])
    if not write_new(db.session):
        db.session.flush()
    # Each object has the key of its own row.
    assert [db.session.scalar(select(Coded.n).where(Coded.id == c.id)) for c in coded] == list(range(8))
    assert [(o.id, o.n) for o in numbered] == [(5, 5), (3, 3)]


def test_keys_from_a_sequence_of_the_column_s_own(scratch):
    counted = [Counted(n=1), Counted(n=2)]
    db.session.add_all(counted)
    if not write_new(db.session):
        db.session.flush()
    assert [db.session.scalar(select(Counted.n).where(Counted.id == c.id)) for c in counted] == [1, 2]
    assert min(c.id for c in counted) >= 1000


def test_a_value_given_as_sql_is_run_by_the_insert(scratch):
    derived = Derived(n=func.length("abc"), tens=1)
    db.session.add(derived)
    if not write_new(db.session):
        db.session.flush()
    assert derived.n == 3


def test_a_none_in_a_json_column_is_written_as_the_flush_writes_it(scratch):
    noted = Noted()  # its note never set: SQL NULL, not JSON null
    db.session.add(noted)
    if not write_new(db.session):
        db.session.flush()
    assert db.session.scalar(select(Noted.note.is_(None))) is True


def test_a_version_counter_starts_at_one(scratch):
    versioned = Versioned()
    db.session.add(versioned)
    if not write_new(db.session):
        db.session.flush()
    db.session.expire_all()
    assert versioned.version == 1


def test_a_default_that_reads_the_row_gets_it(scratch):
    derived = Derived(n=4)
    db.session.add(derived)
    if not write_new(db.session):
        db.session.flush()
    assert derived.tens == 40


def test_a_write_only_collection_gives_its_members_their_key(scratch):
    shelf = Shelf()
    shelf.books.add(Book())
    db.session.add(shelf)
    if not write_new(db.session):
        db.session.flush()
    assert db.session.scalar(select(Book.shelf_id)) == shelf.id is not None


def test_a_reference_written_after_the_rows_is_left_to_the_flush(scratch):
    photo = Photo()
    album = Album(photos=[photo], cover=photo)
    db.session.add(album)
    if not write_new(db.session):
        db.session.flush()
    assert album.cover_id == photo.id is not None and photo.album_id == album.id


def test_attributes_named_otherwise_than_their_columns(scratch):
    whole = Renamed(label="w", parts=[RenamedPart(), RenamedPart()])
    db.session.add(whole)
    assert write_new(db.session) is True
    assert inspect(whole).persistent and whole.ident is not None
    assert [part.whole_ref for part in whole.parts] == [whole.ident, whole.ident]
    db.session.expire_all()
    assert db.session.get(Renamed, whole.ident).label == "w"
    assert [p.whole_ref for p in db.session.scalars(select(RenamedPart))] == [whole.ident, whole.ident]


def test_rows_of_a_class_hierarchy_are_left_to_the_flush(scratch):
    db.session.add_all([Animal(), Bird(wings=2)])
    assert write_new(db.session) is False
    db.session.flush()
    assert db.session.execute(select(Animal.kind, Animal.wings).order_by(Animal.id)).all() == [("animal", None), ("bird", 2)]

