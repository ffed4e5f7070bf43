"""A run of a long job started from a page (the monthly invoice run, the statistics reports): its progress, result
and errors, kept in the database so every app server shows it and the guard against a second run holds."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stomi_app.db import Base, UTCDateTime, utcnow
from stomi_app.models.users import User
from stomi_app.statemachine import machine


class JobRunStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


class JobRun(Base):
    """One start of a kind of job for a key (e.g. invoice_run for 2026-11).

    `active_key` is "kind:key" while the run is queued or running and NULL after: its unique constraint is the guard
    that refuses a second start of the same month while one runs, in the database, so it holds across app servers
    and workers (NULLs never collide, so finished and failed runs do not block a new one).
    """

    __tablename__ = "job_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(40))
    active_key: Mapped[str | None] = mapped_column(String(81), unique=True)
    status: Mapped[JobRunStatus] = mapped_column(
        Enum(JobRunStatus, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e]),
        default=JobRunStatus.QUEUED)
    job_function: Mapped[str] = mapped_column(String(200))  # the dotted name RQ runs, kept for a retry
    rq_job_id: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(5), default="da")  # the starter's language, for the run's messages
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    summary: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey(User.id), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by: Mapped[User | None] = relationship()

    @property
    def active(self) -> bool:
        return self.status in (JobRunStatus.QUEUED, JobRunStatus.RUNNING)

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status is JobRunStatus.FINISHED

    @property
    def failed(self) -> bool:
        return self.status is JobRunStatus.FAILED


S = JobRunStatus
# A failed run may be retried (back to queued); a queued run fails without running when its job is lost.
JOB_RUN_FLOW = machine("job run", {
    S.QUEUED: (S.RUNNING, S.FAILED),
    S.RUNNING: (S.FINISHED, S.FAILED),
    S.FAILED: (S.QUEUED,),
})
