"""Live mode: a run paced against the wall clock that publishes state snapshots.

``LiveRun`` drives a built ``Model`` in small steps. With ``speed`` (simulated seconds per wall
second: 3600 is one simulated hour per second) it sleeps so simulated time keeps pace with the
wall clock; without it, it runs flat out. About every wall second it writes a JSON snapshot
(atomically, so a reader never sees half a file): queue, work in hand and staff on duty per
station, orders placed / in progress / shipped / delivered / lost, the orders at risk of
missing their carrier pickup, KPIs so far and a short history. The app's Live page shows it.

With ``follow`` the order file is read again about every second as it grows: orders not seen
before join the run (``Feed``), so a shop can stream its orders in as they happen. An order
whose time has already passed in the simulation arrives at once (counted as ``late_arrivals``).
A follow run lasts ``simulation.horizon_days`` (``--days``) from the first order plus
``simulation.drain_days``, or until interrupted; a row without its end of line waits for the
next read, and a line appended to an order already in the run is rejected with a reason
(``REASON_APPENDED``; the rejects are written at the end). A paced run whose every order is
done stops pacing and finishes the remaining (order-free) time flat out;
either way the run is finished and its tables written as usual.

The snapshot format (version 1): ``version``, ``scenario``, ``scenario_file`` (the run's
resolved scenario as JSON, written once beside the snapshot as ``<snapshot>.scenario.json``),
``source``, ``speed``, ``status`` (running, waiting: following with nothing to do, done),
``sim_minute``, ``sim_clock``, ``end_clock``, ``wall_clock``, ``stages`` (per station: stage,
queue, busy, on_duty), ``orders`` (placed, in_progress, shipped, delivered, lost),
``n_at_risk`` and ``at_risk`` (at most 50, soonest pickup first: order_id, service, stage,
ship_by, minutes_left, source_order_id: the order's number in the replayed file),
``kpis`` (lead_time_mean_h, same_day_share, on_time_share,
lost_share, and late_arrivals when following) and ``history`` (the last 500 snapshots'
sim_clock, queue, in_progress, shipped).
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import logging
import math
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from sim.atomic import write_text_atomic
from sim.demand import GivenOrders, Order
from sim.model import Model
from sim.replay import index_of, local_times
from sim.run_result import RunResult
from sim.units import DAY

log = logging.getLogger(__name__)

#: How often (wall seconds) a snapshot is written and a followed file is read again.
SNAPSHOT_EVERY_S = 1.0
#: Simulated minutes per step when running flat out.
FLAT_OUT_STEP_MIN = 60.0
#: An order not yet labelled whose pickup is this close (minutes), or missed, is at risk.
AT_RISK_MIN = 60.0
MAX_AT_RISK_ROWS = 50
MAX_HISTORY = 500
REASON_APPENDED = "line added after its order joined the run"


class Feed:
    """Orders read from a growing file, waiting to join the run (``--follow``)."""

    def __init__(
        self, model: Model, reread: Callable[[], Any], history: Any = None, source: str = ""
    ) -> None:
        self.model = model
        self.source_name = Path(source).name
        self.reread = reread
        plan = model.replay
        self.seen = set(plan.order_ids)
        self.sku_index = {c: i for i, c in enumerate(plan.sku_codes) if c}
        self.queue: deque[Order] = deque(model.source.orders())
        self.wake = None  # the arrivals process waits on it when the queue is empty
        self.late_arrivals = 0
        self.start = model.scenario.simulation.start
        self.n_lines: dict[str, int] = (
            dict(history.orders.select("order_id", "n_lines").rows()) if history is not None else {}
        )
        #: the file's rejects (as last read) and lines added to orders already in the run
        self.rejects = None
        self.appended: dict[tuple[str, int], tuple[str, int, str, str]] = {}

    def arrivals(self, model: Model):
        """The arrivals process: the queued orders at their times, then wait for more."""
        env = model.env
        admit = model.admitter()
        while True:
            while self.queue:
                o = self.queue.popleft()
                if o.placed_at > env.now:
                    yield env.timeout(o.placed_at - env.now)
                admit(o)
            self.wake = env.event()
            yield self.wake

    def poll(self) -> int:
        """Read the file again and queue the orders not seen before; returns how many."""
        try:
            history = self.reread()
        except Exception as exc:  # a file caught mid-write: try again at the next poll
            log.debug("follow: cannot read the file yet: %s", exc)
            return 0
        self.rejects = history.rejects
        self._appended_lines(history)
        orders = history.orders.with_columns(placed_at=local_times(history.orders["placed_at"]))
        new = orders.filter(~orders["order_id"].is_in(list(self.seen))).sort("placed_at")
        if new.height == 0:
            return 0
        self.seen.update(new["order_id"].to_list())
        self.n_lines.update(zip(new["order_id"].to_list(), new["n_lines"].to_list(), strict=True))
        lines = history.lines.filter(history.lines["order_id"].is_in(new["order_id"].to_list()))
        pos = {oid: k for k, oid in enumerate(new["order_id"].to_list())}
        lines = lines.with_columns(
            lines["order_id"].replace_strict(pos, return_dtype=int).alias("_k")  # type: ignore[arg-type]
        ).sort("_k", "line_no")
        n_skus = self.model.scenario.catalog.n_skus
        skus = []
        for code in lines["sku"].to_list():
            if code not in self.sku_index:
                # a SKU first seen now takes the next free catalogue SKU (the least popular
                # slots); once they are used up, it shares the last one
                self.sku_index[code] = min(len(self.sku_index), n_skus - 1)
            skus.append(self.sku_index[code])
        now = self.model.env.now
        times = (new["placed_at"] - self.start).dt.total_microseconds().to_numpy() / 60e6
        self.late_arrivals += int((times < now).sum())
        times = np.maximum(times, now)
        d = self.model.scenario.demand
        service, _ = index_of([s.name for s in d.services], new["service"])
        channel, _ = index_of([c.name for c in d.channels], new["channel"])
        given = GivenOrders(
            n_lines=new["n_lines"].cast(int).to_numpy(),  # type: ignore[arg-type]
            skus=np.asarray(skus, dtype=np.int64),
            units=lines["quantity"].cast(int).to_numpy(),  # type: ignore[arg-type]
            service=service,
            channel=channel,
            value=new["value"].cast(float).to_numpy(),  # type: ignore[arg-type]
        )
        self.queue.extend(self.model.source.block(times, given))
        if self.wake is not None and not self.wake.triggered:
            self.wake.succeed()
        return new.height

    def _appended_lines(self, history: Any) -> None:
        """Lines of an order already in the run that were appended later are rejected with a
        reason (the order joined the run as it was): recorded by (order, line number)."""
        counts = history.orders.select("order_id", "n_lines").rows()
        grown = {oid for oid, n in counts if oid in self.n_lines and n > self.n_lines[oid]}
        if not grown:
            return
        # the k-th accepted line is the k-th source row that is not a reject (file order)
        rejected = set(history.rejects["row"].to_list())
        rows = (r for r in range(1, history.rows_read + 1) if r not in rejected)
        for (oid, line_no), row in zip(
            history.lines.select("order_id", "line_no").rows(), rows, strict=False
        ):
            if oid in grown and line_no > self.n_lines[oid]:
                self.appended[(oid, line_no)] = (self.source_name, row, "", REASON_APPENDED)

    def all_rejects(self) -> Any:
        """The file's rejects as last read plus the appended lines, by row (or None)."""
        import polars as pl

        extra = pl.DataFrame(
            list(self.appended.values()),
            schema={"file": pl.String, "row": pl.UInt32, "column": pl.String, "reason": pl.String},
            orient="row",
        )
        if self.rejects is None:
            return extra if extra.height else None
        return pl.concat([self.rejects, extra.cast(self.rejects.schema)]).sort("row")


class LiveRun:
    """Run a model paced (``speed``) and/or publishing snapshots (``snapshot``) and/or
    following its growing order file (``feed``)."""

    def __init__(
        self,
        model: Model,
        *,
        speed: float | None = None,
        snapshot: Path | None = None,
        feed: Feed | None = None,
        source: str = "",
    ) -> None:
        self.model = model
        self.speed = speed
        self.snapshot = snapshot
        self.feed = feed
        self.source = source
        self.retired: list[tuple[float, float, float, float, int]] = []
        self.history: deque[dict[str, Any]] = deque(maxlen=MAX_HISTORY)
        retire = model.retire

        def counting_retire(o: Order) -> None:  # every order leaves through here
            self.retired.append(
                (o.placed_at, o.shipped_at, o.delivered_at, o.promised_at, o.lost_cause)
            )
            retire(o)

        model.retire = counting_retire  # type: ignore[method-assign]
        if snapshot is not None:  # the scenario run, for a reader that draws the floor
            self.scenario_file = snapshot.with_name(snapshot.name + ".scenario.json")
            write_text_atomic(
                self.scenario_file, json.dumps(model.scenario.model_dump(mode="json"))
            )
        names = model.scenario.names()
        self.services = names["services"]
        plan = getattr(model, "replay", None)
        self.expected = len(plan.order_ids) if plan is not None else 0
        self.snapshot_done = False

    def run(self) -> RunResult:
        """Simulate to the end (or until interrupted) and build the event log."""
        m = self.model
        env = m.env
        end = m.cal.end
        t_wall = time.monotonic()
        wall0 = t_wall
        next_snap = t_wall
        next_day = DAY
        if m.stock is not None:
            m.stock.snapshot(0.0)
        status = "running"
        try:
            while env.now < end:
                now_wall = time.monotonic()
                if self.speed:
                    target = (now_wall - wall0) * self.speed / 60.0 + self.speed / 600.0
                else:
                    target = env.now + FLAT_OUT_STEP_MIN
                until = min(max(target, env.now + 1e-6), end, next_day)
                env.run(until=until)
                if env.now >= next_day:
                    if m.stock is not None:
                        m.stock.snapshot(next_day)
                    next_day += DAY
                if time.monotonic() >= next_snap and not self.snapshot_done:
                    if self.feed is not None:
                        self.feed.poll()
                    self.publish(status)
                    next_snap += SNAPSHOT_EVERY_S
                if self.speed and self._all_done():
                    # the last real order is done: no more pacing, the rest (drain days, no
                    # orders) runs flat out so the tables equal a flat-out run's
                    log.info("live: the last order is done at minute %.0f", env.now)
                    self.publish("done")
                    self.speed = None
                    self.snapshot_done = True
                if self.speed:
                    ahead = (env.now - (time.monotonic() - wall0) * self.speed / 60.0) * (
                        60.0 / self.speed
                    )
                    if ahead > 0:
                        time.sleep(min(ahead, SNAPSHOT_EVERY_S))
        except KeyboardInterrupt:
            log.warning("interrupted at simulated minute %.0f: finishing the run", env.now)
        # the last snapshot before finalize() censors the unfinished orders, so they are
        # counted in progress (as the run's tables keep them) instead of vanishing
        self.publish("done")
        result = m.finalize()
        result.wall_s = time.monotonic() - t_wall
        return result

    def _all_done(self) -> bool:
        """Not following, every order of the file admitted and none in progress."""
        m = self.model
        return (
            self.feed is None
            and self.expected > 0
            and not m.live
            and len(self.retired) >= self.expected
        )

    # --- snapshots ---------------------------------------------------------------------------

    def state(self, status: str) -> dict[str, Any]:
        """The snapshot of the model now (see the module docstring)."""
        m = self.model
        now = m.env.now
        start = m.scenario.simulation.start

        def clock(t: float) -> str:
            return (start + dt.timedelta(minutes=t)).isoformat(timespec="seconds")

        stages = []
        for st in m.stations():
            on_duty = sum(
                1
                for per in st.periods
                if (i := bisect.bisect_right(per, (now, math.inf)) - 1) >= 0 and per[i][1] > now
            )
            stages.append(
                {"stage": st.name, "queue": len(st), "busy": len(st.busy), "on_duty": on_duty}
            )
        r = np.array(self.retired, dtype=float).reshape(-1, 5)
        shipped = r[:, 1] <= now
        delivered = r[:, 2] <= now
        lost = r[:, 4] > 0
        lead = (r[delivered, 2] - r[delivered, 0]) / 60.0
        same_day = np.floor(r[shipped, 1] / DAY) == np.floor(r[shipped, 0] / DAY)
        on_time = r[delivered, 2] <= r[delivered, 3]
        at_risk = []
        for o in m.live.values():
            if math.isnan(o.labelled_at) and o.ship_by_at - now <= AT_RISK_MIN:
                at_risk.append(o)
        at_risk.sort(key=lambda o: o.ship_by_at)
        placed = len(self.retired) + len(m.live)  # every admitted order is one or the other
        in_progress = len(m.live)
        n_shipped = int(shipped.sum())
        kpis = {
            "lead_time_mean_h": float(lead.mean()) if len(lead) else None,
            "same_day_share": float(same_day.mean()) if len(same_day) else None,
            "on_time_share": float(on_time.mean()) if len(on_time) else None,
            "lost_share": float(lost.mean()) if len(lost) else None,
        }
        if self.feed is not None:
            kpis["late_arrivals"] = self.feed.late_arrivals
        queue_total = sum(s["queue"] for s in stages)
        self.history.append(
            {"sim_clock": clock(now), "queue": queue_total, "in_progress": in_progress,
             "shipped": n_shipped}
        )  # fmt: skip
        return {
            "version": 1,
            "scenario": m.scenario.name,
            "scenario_file": self.scenario_file.name if self.snapshot is not None else None,
            "source": self.source,
            "speed": self.speed,
            "status": "waiting" if status == "running" and self._waiting() else status,
            "sim_minute": now,
            "sim_clock": clock(now),
            "end_clock": clock(m.cal.end),
            "wall_clock": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "stages": stages,
            "orders": {
                "placed": placed,
                "in_progress": in_progress,
                "shipped": n_shipped,
                "delivered": int(delivered.sum()),
                "lost": int(lost.sum()),
            },
            "n_at_risk": len(at_risk),
            "at_risk": [
                {
                    "order_id": o.id,
                    "source_order_id": self._source_id(o.id),
                    "service": self.services[o.service],
                    "stage": _stage_of(o),
                    "ship_by": clock(o.ship_by_at),
                    "minutes_left": round(o.ship_by_at - now, 1),
                }
                for o in at_risk[:MAX_AT_RISK_ROWS]
            ],
            "kpis": kpis,
            "history": list(self.history),
        }

    def _source_id(self, k: int) -> str | None:
        """A replayed order's own number in its file (None for other orders)."""
        plan = self.model.replay
        ids = plan.order_ids if plan is not None else []
        return ids[k] if 0 <= k < len(ids) else None

    def _waiting(self) -> bool:
        return self.feed is not None and not self.feed.queue and not self.model.live

    def publish(self, status: str) -> None:
        """Write the snapshot atomically (if a path was given)."""
        if self.snapshot is None:
            return
        state = self.state(status)
        write_text_atomic(self.snapshot, json.dumps(state, default=_jsonable))


def _stage_of(o: Order) -> str:
    """Where an order in progress is: the first milestone it has not reached."""
    if math.isnan(o.released_at):
        return "receiving"
    if math.isnan(o.picked_at):
        return "picking"
    if math.isnan(o.packed_at):
        return "packing"
    return "labelling"


def _jsonable(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, np.generic):
        return v.item()
    return str(v)
