"""The named queries: each registered with the inputs it reads, so its cache key is exactly their versions.

A query is a plain function of the store and small, hashable arguments; `@query(tables=..., facts=...)`
registers it. Pages call it through the app's cache (`run(complaints.kpis, ...)`), tests call it directly.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, Generic, ParamSpec, TypeVar

from ..data.schema import TABLES
from ..data.store import BaseStore

P = ParamSpec("P")
R = TypeVar("R")


class Query(Generic[P, R]):
    """A registered query: callable like the function it wraps, plus what it reads."""

    def __init__(
        self,
        fn: Callable[Concatenate[BaseStore, P], R],
        tables: tuple[str, ...],
        facts: bool,
        rows: bool = False,
    ):
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.name = f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}"
        self.tables = tables
        self.facts = facts  # reads the districts' facts (the `districts` view)
        self.rows = rows  # returns complaints' own rows and text: for roles that may see them

    def __call__(self, store: BaseStore, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.fn(store, *args, **kwargs)

    def version(self, store: BaseStore) -> tuple:
        """The versions of exactly this query's inputs."""
        return store.version(self.tables, facts=self.facts)

    def __repr__(self) -> str:
        return (
            f"<query {self.name} reads {', '.join(self.tables)}{' + facts' if self.facts else ''}>"
        )


REGISTRY: dict[str, Query] = {}


def query(*, tables: tuple[str, ...] | list[str], facts: bool = False, rows: bool = False):
    """Register a named query and the tables (and reference facts) it reads; `rows`: it returns
    complaints' own rows (their text), which the app gives only to roles that may see them."""
    unknown = [t for t in tables if t not in TABLES]
    if unknown:
        raise ValueError(f"unknown table(s) {unknown}; have {list(TABLES)}")

    def register(fn: Callable[Concatenate[BaseStore, P], R]) -> Query[P, R]:
        q = Query(fn, tuple(tables), facts, rows)
        if q.name in REGISTRY:
            raise ValueError(f"query {q.name} is registered twice")
        REGISTRY[q.name] = q
        return q

    return register


def all_queries() -> dict[str, Query]:
    """Every registered query by name (importing the query modules registers them)."""
    from . import alerts, cctv, complaints, sources, wifi  # noqa: F401

    return dict(REGISTRY)
