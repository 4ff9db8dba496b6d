"""``SparkReadStore``: the read side of ``ReadStore`` on Apache Spark over the Parquet lake.

The policy ``Scope`` is turned into the explicit list of partition files (allowed owners x days
within each owner's retention, within the query's time window) before Spark is called; Spark is
given those files and nothing else, so an excluded owner's files are never opened. The exact
cutoff is applied as a row filter. ``files_opened`` counts the files handed to Spark, and
``last_plan`` keeps the most recent plan, so tests and operators can see what was read.
Registry, policy tables and writes stay in the embedded store (``LocalDelegate``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import pyarrow as pa

from plateledger.domain.types import Read
from plateledger.scale import spark_query
from plateledger.scale.delegate import LocalDelegate
from plateledger.scale.lake import Lake, ReadPlan
from plateledger.store.base import ReadFilters, ReadOrder, ReadStore, Scope

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

log = logging.getLogger(__name__)


class SparkReadStore(LocalDelegate):
    def __init__(self, local: ReadStore, lake: Lake, session: Callable[[], SparkSession]) -> None:
        super().__init__(local)
        self.lake = lake
        self._session_factory = session
        self._session: SparkSession | None = None
        self._lock = threading.Lock()
        self.files_opened = 0
        self.queries = 0
        self.last_plan: ReadPlan | None = None

    @property
    def spark(self) -> SparkSession:
        with self._lock:
            if self._session is None:
                self._session = self._session_factory()
            return self._session

    # --- planning ------------------------------------------------------------------------
    def plan(
        self, filters: ReadFilters, scope: Scope, plates: Sequence[str] | None = None
    ) -> ReadPlan | None:
        owner_of = {n.id: n.agency_id for n in self.local.networks()}
        area_owners = None
        if filters.cameras is not None and filters.bbox is None:  # fixed cameras only
            networks = {c.network_id for c in self.local.cameras() if c.id in filters.cameras}
            area_owners = frozenset(str(owner_of[n]) for n in networks if n in owner_of)
        plan = self.lake.plan(scope, filters, owner_of, plates=plates, area_owners=area_owners)
        with self._lock:
            self.last_plan = plan
            self.queries += 1
            self.files_opened += len(plan.files) if plan else 0
        if plan is not None:
            log.info("spark plan: %d owners, %d files", len(plan.owners), len(plan.files))
        return plan

    def _frame(
        self, plates: Sequence[str] | None, filters: ReadFilters, scope: Scope
    ) -> DataFrame | None:
        if plates is not None and not plates:
            return None
        plan = self.plan(filters, scope, plates)
        if plan is None or not plan.files:
            return None
        spark = self.spark  # the session first: column expressions need a running one
        cameras = frozenset(c.id for c in self.local.cameras())
        cond = spark_query.condition(plan, plates, filters, cameras)
        if cond is None:
            return None
        files = [self.lake.spark_path(f) for f in plan.files]
        base = self.lake.spark_path(self.lake.base)
        return spark_query.frame(spark, base, files).where(cond)

    # --- reads ---------------------------------------------------------------------------
    def find_reads(
        self,
        plates: Sequence[str] | None,
        filters: ReadFilters,
        scope: Scope,
        *,
        limit: int,
        offset: int = 0,
        order: ReadOrder = "ts_desc",
    ) -> list[Read]:
        df = self._frame(plates, filters, scope)
        if df is None or limit <= 0:
            return []
        top = spark_query.project(spark_query.ordered(df, order).limit(offset + limit))
        table = top.toArrow()
        networks = {n.id: n for n in self.local.networks()}
        rows = table.slice(offset).to_pylist()
        return [spark_query.to_read(r, networks) for r in rows]

    def count_reads(self, plates: Sequence[str] | None, filters: ReadFilters, scope: Scope) -> int:
        df = self._frame(plates, filters, scope)
        return 0 if df is None else int(df.count())

    def distinct_plates(self) -> pa.Array:
        """The union of the lake's per-day plate dictionaries."""
        return self.lake.plates()

    # --- oversight -----------------------------------------------------------------------
    def owner_summary(self, filters: ReadFilters, scope: Scope) -> list[tuple[str, int, int]]:
        """Reads and distinct plates per owner agency in scope: (owner, reads, plates)."""
        from pyspark.sql import functions as F

        df = self._frame(None, filters, scope)
        if df is None:
            return []
        agg = df.groupBy("owner").agg(
            F.count(F.lit(1)).alias("reads"), F.countDistinct("plate").alias("plates")
        )
        rows = agg.orderBy("owner").toArrow().to_pylist()
        return [(str(r["owner"]), int(r["reads"]), int(r["plates"])) for r in rows]

    def close(self) -> None:
        with self._lock:
            if self._session is not None:
                self._session.stop()
                self._session = None
