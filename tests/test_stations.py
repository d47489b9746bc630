"""A station driven in a bare SimPy environment: exact (job, worker, start, end) logs."""

from __future__ import annotations

import simpy

from sim.stations import Station


def make(periods, durations, take=None):
    env = simpy.Environment()
    log = []

    def service(job, worker):
        return sum(durations[j] for j in job)

    def finish(job, worker, t0, t1):
        log.append((tuple(job), worker, t0, t1))

    st = Station(env, "s", periods, service, finish, take)
    return env, st, log


def test_jobs_served_in_order_and_shift_end_finishes_task_in_hand():
    # one worker on duty [0, 10) and [20, 30); each job takes 4 minutes
    env, st, log = make([[(0.0, 10.0), (20.0, 30.0)]], {j: 4.0 for j in "abcde"})
    for j in "abc":
        st.push(j, 1)

    def later():
        yield env.timeout(5)
        st.push("d", 1)

    env.process(later())
    env.run(until=40)
    assert log == [
        (("a",), 0, 0.0, 4.0),
        (("b",), 0, 4.0, 8.0),
        (("c",), 0, 8.0, 12.0),  # started before the shift end, finished after it
        (("d",), 0, 20.0, 24.0),  # nothing starts off duty: waits for the next shift
    ]


def test_idle_worker_goes_off_duty_and_returns():
    env, st, log = make([[(0.0, 10.0), (20.0, 30.0)]], {"a": 1.0, "b": 1.0})

    def arrivals():
        yield env.timeout(12)  # arrives while the worker is off duty
        st.push("a", 1)
        yield env.timeout(13)  # t = 25, worker idle and on duty
        st.push("b", 1)

    env.process(arrivals())
    env.run(until=40)
    assert log == [(("a",), 0, 20.0, 21.0), (("b",), 0, 25.0, 26.0)]


def test_non_preemptive_priority():
    env, st, log = make([[(0.0, 100.0)]], {"low1": 5.0, "low2": 5.0, "high": 5.0})
    st.push("low1", 1)  # starts at once

    def arrivals():
        yield env.timeout(1)
        st.push("low2", 1)
        yield env.timeout(1)
        st.push("high", 0)  # arrives later, goes first, but does not interrupt low1

    env.process(arrivals())
    env.run(until=100)
    assert [(j[0], t0, t1) for j, _, t0, t1 in log] == [
        ("low1", 0.0, 5.0),
        ("high", 5.0, 10.0),
        ("low2", 10.0, 15.0),
    ]


def test_several_workers_share_the_queue_and_bulk_take():
    env, st, log = make(
        [[(0.0, 100.0)], [(0.0, 100.0)]],
        {j: 2.0 for j in "abcdef"},
        take=lambda s: s.pop_items(2),
    )
    for j in "abcdef":
        st.push(j, 1)
    env.run(until=100)
    # all six wait before the workers start: each worker takes pairs (2 x 2 min = 4 min)
    jobs = sorted(log, key=lambda r: (r[2], r[1]))
    assert [(j, w, t0, t1) for j, w, t0, t1 in jobs] == [
        (("a", "b"), 0, 0.0, 4.0),
        (("c", "d"), 1, 0.0, 4.0),
        (("e", "f"), 0, 4.0, 8.0),
    ]


def test_no_work_at_all_when_nobody_is_on_duty():
    env, st, log = make([[]], {"a": 1.0})
    st.push("a", 1)
    env.run(until=50)
    assert log == [] and st.waiting() == ["a"]
