"""Staff sizing: the cheapest headcount per shift that meets every SLA.

Decision variables are the headcounts of the shifts (``staffing.shifts[i]``) of the chosen
roles, each in ``0..max_headcount``; a staffing is a point ``x`` of that grid. Its cost is the
weekly wage bill ``sum_i x_i * wage_per_hour[role_i] * paid_hours_per_week(shift_i)``, where
paid time is on-duty time as the roster and ``labour_cost`` count it: shift length minus the
breaks inside it, on each of the shift's weekdays (a nominal week, holidays ignored).

A staffing is *feasible* when the scenario with those headcounts validates and every SLA is
met with 95 % confidence over R replications on common random numbers
(:func:`analysis.stats.sla.check`). The search assumes *monotonicity* (more staff never hurts
service): a point below a known infeasible point is infeasible and a point above a known
feasible point is feasible, without running anything (:class:`MonotoneOracle`). A staffing
that does not validate (no staff at all in a required role) is infeasible without a run.

:func:`search_cheapest` takes the feasibility test as a callback, so it can be tested on
synthetic oracles:

1. the maximum point ``H`` (everyone at the maximum) must be feasible, else there is no
   answer;
2. cheap lower bounds: a variable whose minimum is infeasible with the others at their
   maximum needs at least one more (``L``). If ``L`` is feasible it is the optimum;
3. a first feasible point: the current staffing (raised to ``L``) if feasible, else the
   smallest step ``k`` up the diagonal ``min(x + k, H)`` that is feasible;
4. local descent: lower each variable, most expensive first, to its smallest feasible value
   with the others fixed (doubling steps down, then bisection); when none moves, take the
   first feasible cost-reducing swap (one fewer on a shift, one more on a cheaper one) and
   start again; then moves of one head between same-time shifts of different roles
   (:func:`sim.experiments.candidate_shifts.move_heads`); when nothing helps, the point is *locally
   minimal*;
5. global check, within a budget of evaluations: exact lower bounds (the smallest feasible
   value of each variable with the others at the maximum), then every point of ``[L, H]``
   cheaper than the incumbent is visited as a prefix of all variables but the widest plus
   the largest affordable value of the widest one; an infeasible answer (or one known by
   monotonicity) rules out the whole column below it, a feasible one gives a cheaper
   incumbent (descended again). Finishing proves the incumbent cheapest on the grid (under
   monotonicity).

In one dimension step 4 is an exact doubling-and-bisection search down from a feasible point,
so the answer is the smallest feasible value (and step 5 proves it without a run).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sim.experiments.candidate_shifts import move_heads
from sim.experiments.sizing_variables import Point

log = logging.getLogger(__name__)

# --- the search on a monotone feasibility oracle -----------------------------------------


class BudgetSpent(Exception):
    """The evaluation budget of the global check is used up."""


class MonotoneOracle:
    """A memoised feasibility test that answers from monotonicity when it can.

    ``evaluated`` lists the points actually passed to the callback, in order, with their
    answers; ``inferred`` counts queries answered without it. ``budget`` (None: unlimited)
    caps further callback calls: beyond it :class:`BudgetSpent` is raised.
    """

    def __init__(self, feasible: Callable[[Point], bool]) -> None:
        self._feasible = feasible
        self.evaluated: list[tuple[Point, bool]] = []
        self.inferred = 0
        self.budget: int | None = None
        self._good: list[Point] = []  # minimal known feasible points
        self._bad: list[Point] = []  # maximal known infeasible points

    def known(self, x: Point) -> bool | None:
        """The answer monotonicity gives for ``x`` (None: unknown)."""
        if any(all(g <= v for g, v in zip(p, x, strict=True)) for p in self._good):
            return True
        if any(all(v <= b for v, b in zip(x, p, strict=True)) for p in self._bad):
            return False
        return None

    def __call__(self, x: Point) -> bool:
        """Whether ``x`` is feasible (from memory when known)."""
        x = tuple(x)
        answer = self.known(x)
        if answer is not None:
            self.inferred += 1
            return answer
        if self.budget is not None:
            if self.budget <= 0:
                raise BudgetSpent
            self.budget -= 1
        answer = bool(self._feasible(x))
        self.evaluated.append((x, answer))

        def below(a: Point, b: Point) -> bool:
            return all(u <= v for u, v in zip(a, b, strict=True))

        if answer:
            self._good = [p for p in self._good if not below(x, p)] + [x]
        else:
            self._bad = [p for p in self._bad if not below(p, x)] + [x]
        return answer


def smallest_true(pred: Callable[[int], bool], lo: int, hi: int, hint: int | None = None) -> int:
    """The smallest ``v`` in ``[lo, hi]`` with ``pred(v)``, for a predicate false then true
    and true at ``hi``: doubling steps away from ``hint`` (if given), then bisection."""
    good, bad = hi, lo - 1
    if hint is not None and lo <= hint < hi:
        step = 1
        if pred(hint):
            good = hint
            while good - step > bad:
                if pred(good - step):
                    good -= step
                    step *= 2
                else:
                    bad = good - step
                    break
        else:
            bad = hint
            while bad + step < good:
                if pred(bad + step):
                    good = bad + step
                    break
                bad += step
                step *= 2
    while good - bad > 1:
        mid = (good + bad) // 2
        if pred(mid):
            good = mid
        else:
            bad = mid
    return good


@dataclass
class SearchResult:
    """Outcome of :func:`search_cheapest`.

    ``best`` is None when even the maximum point is infeasible. ``locally_minimal``: no single
    decrease or swap of ``best`` is feasible; ``proven_optimal``: the global check finished, so
    no cheaper point of the grid is feasible (under monotonicity).
    """

    best: Point | None
    cost: float
    lower: Point
    upper: Point
    evaluated: list[tuple[Point, bool]] = field(default_factory=list)
    inferred: int = 0
    locally_minimal: bool = False
    proven_optimal: bool = False

    @property
    def grid_size(self) -> int:
        """Points of the full grid ``[lower, upper]`` of the search."""
        size = 1
        for a, b in zip(self.lower, self.upper, strict=True):
            size *= b - a + 1
        return size


def search_cheapest(
    lower: Sequence[int],
    upper: Sequence[int],
    weights: Sequence[float],
    feasible: Callable[[Point], bool],
    hint: Sequence[int] | None = None,
    global_budget: int | None = 20,
    near: bool = False,
    groups: Sequence[str] | None = None,
    moves: Sequence[tuple[int, int]] = (),
) -> SearchResult:
    """The cheapest point of the grid ``[lower, upper]`` (cost ``sum(weights * x)``, ties
    broken by fewer heads) for which ``feasible(x)``, assuming ``feasible`` is monotone (see
    the module docstring for the steps). ``hint`` (e.g. the current staffing) is where the
    searches start. ``global_budget`` caps the evaluations of the global check (None:
    unlimited; 0: stop at a local minimum). ``moves`` are pairs ``(i, j)`` between which the
    local descent may move one head (:func:`sim.experiments.candidate_shifts.move_heads`), e.g. from
    a pickers' shift to the packers' shift at the same times.

    ``near``: the hint is near the answer (:func:`sim.experiments.size_start.erlang_c_start`): steps
    1 and 2 are skipped; the search starts at the hint, going up the diagonal in doubling steps
    if it is infeasible (the maximum is simulated only if the diagonal reaches it); with
    ``groups`` (the role of each variable) the descent is the near-start one of
    :func:`_descend`."""
    n = len(lower)
    lo, hi = tuple(lower), tuple(upper)
    oracle = MonotoneOracle(feasible)

    def key(x: Point) -> tuple[float, int]:
        return (sum(w * v for w, v in zip(weights, x, strict=True)), sum(x))

    def at(x: Point, i: int, v: int) -> Point:
        return (*x[:i], v, *x[i + 1 :])

    result = SearchResult(None, float("nan"), lo, hi)
    start = tuple(min(max(h, a), b) for h, a, b in zip(hint or lo, lo, hi, strict=True))
    if near:
        low = lo
        if not oracle(start):
            steps = max(b - a for a, b in zip(start, hi, strict=True))

            def up(k: int) -> Point:
                return tuple(min(a + k, b) for a, b in zip(start, hi, strict=True))

            k = smallest_true(lambda k: oracle(up(k)), 0, steps, hint=min(1, steps))
            if not oracle(up(k)):  # the diagonal reached the maximum: no answer
                result.evaluated = oracle.evaluated
                result.inferred = oracle.inferred
                return result
            start = up(k)
    elif not oracle(hi):
        result.evaluated = oracle.evaluated
        return result
    else:
        # cheap lower bounds: can a variable be at its minimum with the others at their maximum?
        low = tuple(lo[i] if oracle(at(hi, i, lo[i])) else lo[i] + 1 for i in range(n))
    local = proven = False
    if not near and oracle(low):
        best, local, proven = low, True, True
    else:
        first = tuple(max(s, a) for s, a in zip(start, low, strict=True))
        if not oracle(first):  # up the diagonal from the current staffing
            steps = max(b - a for a, b in zip(first, hi, strict=True))
            k = smallest_true(
                lambda k: oracle(tuple(min(a + k, b) for a, b in zip(first, hi, strict=True))),
                0,
                steps,
            )
            first = tuple(min(a + k, b) for a, b in zip(first, hi, strict=True))
        best, local = _descend(first, low, hi, weights, oracle, key, groups, moves), True
        log.info("locally minimal staffing %s after %d evaluations", best, len(oracle.evaluated))
        oracle.budget = global_budget
        try:
            # exact lower bounds (the smallest value feasible with the others at the maximum)
            low = tuple(
                smallest_true(lambda v, i=i: oracle(at(hi, i, v)), low[i], best[i], best[i])
                for i in range(n)
            )
            best = _global_check(best, low, hi, weights, oracle, key, groups)
            proven = True
        except _Better as better:  # budget spent after an improvement
            best, local = better.point, better.local
        except BudgetSpent:
            pass
    oracle.budget = None
    result.best = best
    result.cost = key(best)[0]
    result.evaluated = oracle.evaluated
    result.inferred = oracle.inferred
    result.locally_minimal = local
    result.proven_optimal = proven
    return result


def _descend(
    x: Point, low: Point, hi: Point, weights, oracle: MonotoneOracle, key, groups=None, moves=()
) -> Point:
    """Local descent from a feasible ``x``: lower each variable (most expensive first) to
    the smallest feasible value with the others fixed (doubling steps down, then bisection);
    when none can be lowered, take the first feasible cost-reducing swap (one fewer on a
    shift, one more on a cheaper one) and start again; then the first move of ``moves``
    that leads to a cheaper staffing (:func:`sim.experiments.candidate_shifts.move_heads`); stop
    when nothing helps.

    ``groups`` (a start near the answer): each variable is first tried one lower (a variable
    already at its smallest value costs one evaluation, not a bisection), and swaps stay
    within a group (shifts of the same role)."""
    n = len(x)
    order = sorted(range(n), key=lambda i: -weights[i])
    while True:
        lowered = False
        for i in order:
            if x[i] > low[i]:
                v = smallest_true(
                    lambda v, i=i, x=x: oracle((*x[:i], v, *x[i + 1 :])),
                    low[i],
                    x[i],
                    x[i] if groups is None else x[i] - 1,
                )
                lowered |= v < x[i]
                x = (*x[:i], v, *x[i + 1 :])
        if lowered:
            continue
        swaps: list[Point] = []
        for i, j in itertools.permutations(order, 2):
            if groups is not None and groups[i] != groups[j]:
                continue
            if x[i] > low[i] and x[j] < hi[j] and weights[j] < weights[i]:
                y = list(x)
                y[i] -= 1
                y[j] += 1
                swaps.append(tuple(y))
        swaps.sort(key=key)
        for y in swaps:
            if oracle(y):
                x = y
                break
        else:
            moved = move_heads(
                x, low, hi, oracle, key, moves,
                lambda y: _descend(y, low, hi, weights, oracle, key, groups),
            )  # fmt: skip
            if moved is None:
                return x
            x = moved


class _Better(Exception):
    def __init__(self, point: Point, local: bool) -> None:
        self.point, self.local = point, local


def _global_check(best: Point, low: Point, hi: Point, weights, oracle, key, groups=None) -> Point:
    """Visit every point of ``[low, hi]`` cheaper than ``best`` (see the module docstring);
    return the cheapest feasible one. Raises :class:`_Better` carrying an improvement found
    before the budget ran out, or :class:`BudgetSpent`."""
    n = len(best)
    m = max(range(n), key=lambda i: hi[i] - low[i])  # the column variable
    others = [i for i in range(n) if i != m]
    base = sum(weights[i] * low[i] for i in range(n))
    incumbent = [best]
    local = [True]

    def leaf(x: list[int]) -> None:
        v = hi[m]
        while v >= low[m]:
            x[m] = v
            if key(tuple(x)) < key(incumbent[0]):
                break
            v -= 1
        if v < low[m] or oracle(tuple(x)) is False:
            return
        col = smallest_true(lambda u: oracle((*x[:m], u, *x[m + 1 :])), low[m], v)
        point = (*x[:m], col, *x[m + 1 :])
        incumbent[0], local[0] = point, False
        incumbent[0], local[0] = _descend(point, low, hi, weights, oracle, key, groups), True
        log.info("global check: cheaper feasible staffing %s", incumbent[0])

    def visit(depth: int, x: list[int], cost: float) -> None:
        if depth == len(others):
            leaf(x)
            return
        i = others[depth]
        near = incumbent[0][i]  # values near the incumbent's first: likelier improvements
        for v in sorted(range(low[i], hi[i] + 1), key=lambda v: (abs(v - near), v)):
            extra = weights[i] * (v - low[i])
            if cost + extra > key(incumbent[0])[0]:
                continue
            x[i] = v
            visit(depth + 1, x, cost + extra)
        x[i] = low[i]

    try:
        visit(0, list(low), base)
    except BudgetSpent:
        if incumbent[0] != best:
            raise _Better(incumbent[0], local[0]) from None
        raise
    return incumbent[0]
