"""Named random-number streams.

A generator is ``Generator(PCG64(SeedSequence(seed, spawn_key=(replication, stream))))``. The
scenario is not part of the key, so replication k of every scenario sees the same demand
(common random numbers). Stream numbers are fixed and never reused.
"""

import itertools
from collections.abc import Iterable
from enum import IntEnum

import numpy as np


class Stream(IntEnum):
    """Stream numbers; append new ones, never renumber."""

    ARRIVALS = 1
    ORDER_PROFILE = 2
    PAYMENT = 3
    PICK = 4
    PACK = 5
    LABEL = 6
    TRANSIT = 7
    LINES = 8
    CATALOG = 9
    CUSTOMERS = 10
    AFTERSALES = 11


#: The catalogue is a fact about the business, the same in every replication.
CATALOG_REPLICATION = 2**31 - 1


def cumulative(shares: Iterable[float]) -> list[float]:
    """Running sums of shares with the last set to infinity: ``bisect_right(cum, u)`` turns a
    uniform u into the index of its share (robust to shares summing to 1 - epsilon)."""
    cum = list(itertools.accumulate(shares))
    cum[-1] = float("inf")
    return cum


def generator(seed: int, replication: int, stream: Stream) -> np.random.Generator:
    """The generator for one named stream of one replication."""
    ss = np.random.SeedSequence(seed, spawn_key=(replication, int(stream)))
    return np.random.Generator(np.random.PCG64(ss))
