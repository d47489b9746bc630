"""Erlang C (M/M/c): probability of waiting and the servers an offered load needs."""

from __future__ import annotations

import math


def erlang_c(servers: int, load: float) -> float:
    """Probability that an arrival waits in an M/M/c queue with ``servers`` servers and
    offered load ``load`` (arrival rate x mean service time, in servers); 1 when
    ``load >= servers`` (unstable). Computed with the stable Erlang B recursion."""
    if load <= 0:
        return 0.0
    if servers <= load:
        return 1.0
    b = 1.0
    for k in range(1, servers + 1):  # Erlang B: B(k) = a B(k-1) / (k + a B(k-1))
        b = load * b / (k + load * b)
    rho = load / servers
    return b / (1.0 - rho + rho * b)


def erlang_c_wait(servers: int, load: float, mean_service: float) -> float:
    """Mean wait in queue of M/M/c, in the unit of ``mean_service`` (inf when unstable)."""
    if servers <= load:
        return math.inf
    return erlang_c(servers, load) * mean_service / (servers - load)


def servers_needed(load: float, max_wait_prob: float = 0.5) -> int:
    """The fewest servers for which an arrival waits with probability at most
    ``max_wait_prob`` (at least one more than the load)."""
    c = max(1, math.floor(load) + 1)
    while erlang_c(c, load) > max_wait_prob:
        c += 1
    return c
