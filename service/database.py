"""Engine and session set-up: SQLite tuned for several processes, PostgreSQL as is."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker


class Base(DeclarativeBase):
    """Declarative base of every model."""


SessionFactory = sessionmaker(expire_on_commit=False)
session: scoped_session[Session] = scoped_session(SessionFactory)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers and one writer work at once; busy_timeout makes writers wait, not fail.
    # Autocommit is handed to SQLAlchemy so that BEGIN IMMEDIATE below takes the write lock.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # Every transaction takes the write lock up front: no upgrade deadlocks between writers.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and immediate transactions.

    Its errors never carry the statement's values: a refused INSERT of a user would otherwise
    put the password hash in whichever log records the error.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, hide_parameters=True)


# What the API and the UI answer to a value a column cannot hold that no command refused first.
DATA_ERROR = "Dữ liệu vượt quá giới hạn cho phép, thao tác chưa được thực hiện"


def error_summary(error: DBAPIError) -> str:
    """What a log may say about a database error: the driver's class and its first line, without
    the statement's values or PostgreSQL's DETAIL line (which repeats the key's value)."""
    first_line = str(error.orig).strip().splitlines()[:1]
    return f"{type(error.orig).__name__}: {''.join(first_line)}"


def init_engine(url: str) -> Engine:
    """Bind the process-wide session to a new engine for `url`."""
    engine = make_engine(url)
    session.remove()
    SessionFactory.configure(bind=engine)
    return engine


@contextmanager
def transaction() -> Iterator[Session]:
    """The one place that commits: run a unit of work, commit on success, roll back on error."""
    db = session()
    db.expire_all()  # objects kept from an earlier unit of work are re-read, never stale
    try:
        yield db
        db.commit()
    except BaseException:
        db.rollback()
        raise
