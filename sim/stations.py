"""Stations: a pool of workers (or machines) serving a priority queue of jobs, by shift.

Orders are not processes; they are records that flow between station queues. Each worker is
one SimPy process that, while on duty, takes the next job (highest priority, then first come),
works on it and hands it on. Only work that competes for a resource schedules events. A
picking method may keep its own queue (batches, waves): it passes ``take`` and ``waiting`` and
calls ``wake()`` when work arrives.

A worker finishes the job in hand before a break or the end of the shift; work waiting when a
shift ends waits for the next one. Priority is non-preemptive.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any

import simpy

Job = list[Any]


class Station:
    """Workers of one resource with on-duty periods, serving a priority queue.

    ``service(job, worker) -> minutes`` is called when a job starts;
    ``finish(job, worker, t_start, t_end)`` when it ends. ``take`` forms the next job from
    the queue (one item by default; bulk and batch jobs take several); it may return an empty
    job when the queue holds work that is not ready to start (a batch still filling up): the
    worker then waits until ``wake()`` is called. ``unfinished(item, worker, t_start)``
    records an item still in hand (worker given) or waiting (worker None) at the end of a run.
    """

    def __init__(
        self,
        env: simpy.Environment,
        name: str,
        periods: list[list[tuple[float, float]]],
        service: Callable[[Job, int], float],
        finish: Callable[[Job, int, float, float], None],
        take: Callable[[Station], Job] | None = None,
        unfinished: Callable[[Any, int | None, float | None], None] | None = None,
        waiting: Callable[[], list[Any]] | None = None,
    ) -> None:
        self.env = env
        self.name = name
        self.periods = periods
        self.service = service
        self.finish = finish
        self.take = take or Station.take_one
        self.unfinished = unfinished or (lambda item, worker, t0: None)
        if waiting is not None:
            self.waiting = waiting  # type: ignore[method-assign]
        self.heap: list[tuple[int, int, Any]] = []
        self._seq = 0
        self.idle: dict[int, tuple[simpy.Event, float]] = {}
        self.busy: dict[int, tuple[Job, float]] = {}
        for w, per in enumerate(periods):
            if per:
                env.process(self._work(w, per))
        ends = sorted({b for per in periods for _, b in per})
        if ends:
            env.process(self._roster(ends))

    def __len__(self) -> int:
        return len(self.heap)

    def push(self, item: Any, priority: int) -> None:
        """Queue an item (lower ``priority`` first, then first come) and wake an idle worker."""
        heapq.heappush(self.heap, (priority, self._seq, item))
        self._seq += 1
        if self.idle:
            self.wake()

    def wake(self) -> None:
        """Give the next job to an idle on-duty worker, if there is one and a job is ready."""
        now = self.env.now
        for w, (ev, off) in self.idle.items():
            if off > now:
                job = self.take(self)
                if job:
                    del self.idle[w]
                    ev.succeed(job)
                return

    @staticmethod
    def take_one(station: Station) -> Job:
        """The default job: the single highest-priority item (none if the queue is empty)."""
        return [heapq.heappop(station.heap)[2]] if station.heap else []

    def pop_items(self, k: int) -> Job:
        """Up to k items in priority order."""
        heap = self.heap
        return [heapq.heappop(heap)[2] for _ in range(min(k, len(heap)))]

    def waiting(self) -> list[Any]:
        """Items still queued, in priority order."""
        return [item for _, _, item in sorted(self.heap)]

    def _work(self, w: int, periods: list[tuple[float, float]]):
        env = self.env
        # the hot loop of every run: bind what it calls once (the callables never change)
        take, service, finish = self.take, self.service, self.finish
        busy, idle = self.busy, self.idle
        timeout, event = env.timeout, env.event
        for on, off in periods:
            if env.now < on:
                yield timeout(on - env.now)
            while env.now < off:
                job = take(self)
                if not job:
                    ev = event()
                    idle[w] = (ev, off)
                    job = yield ev
                    if job is None:
                        break
                t0 = env.now
                busy[w] = (job, t0)
                yield timeout(service(job, w))
                del busy[w]
                finish(job, w, t0, env.now)

    def _roster(self, ends: list[float]):
        """Send idle workers off duty at the end of their periods."""
        env = self.env
        for t in ends:
            if t > env.now:
                yield env.timeout(t - env.now)
            for w in [w for w, (_, off) in self.idle.items() if off <= env.now]:
                ev, _ = self.idle.pop(w)
                ev.succeed(None)
