"""``omsim size``: the cheapest headcount per shift that meets every SLA with 95 % confidence.

Parses the SLAs and roles, runs the search on the simulation (:mod:`sim.experiments.size_run`),
prints the answer and the cost/SLA frontier, and stores them in the run store's manifest
(``summary.frontier``, ``summary.answer``). See docs/SIZING.md.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, get_args

from analysis.stats.sla import monotonicity_warning, parse_sla
from sim.cli.common import UsageError, _fmt, add_override_args, overrides_from
from sim.cli.size_tables import print_result, print_workload
from sim.experiments.size_run import (
    frontier_rows,
    known_kpis,
    size_staffing,
)
from sim.experiments.sizing_variables import Variable, sizing_variables
from sim.shift_names import horizon_warning, shift_label
from sim.strict_numbers import count_arg

log = logging.getLogger(__name__)

#: Exit code when even the maximum staffing misses an SLA.
EXIT_INFEASIBLE = 1


def _roles(text: str | None, scenario: Any) -> list[str]:
    """``--roles a,b``: known roles with shifts; default every role with shifts."""
    from sim.config.base import Role

    with_shifts = list(dict.fromkeys(s.role for s in scenario.staffing.shifts))
    if text is None:
        return with_shifts
    roles = [r.strip() for r in text.split(",") if r.strip()]
    if not roles:
        raise UsageError("omsim: --roles: expected comma-separated roles, found none")
    for role in roles:
        if role not in get_args(Role):
            raise UsageError(
                f"omsim: --roles: expected roles from {', '.join(get_args(Role))}, found {role!r}"
            )
        if role not in with_shifts:
            raise UsageError(
                f"omsim: --roles: expected roles with shifts in the scenario, found no {role} shift"
            )
    return roles


def _add_candidates(args: argparse.Namespace, scenario: Any) -> Any:
    """The scenario with ``--candidate-shift`` and ``--candidate-shifts`` appended at
    headcount 0."""
    from sim.experiments.candidate_shifts import (
        CandidateError,
        parse_candidate_shift,
        read_candidate_file,
        with_candidates,
    )
    from sim.scenario import ScenarioError

    try:
        shifts = [parse_candidate_shift(text) for text in args.candidate_shift or []]
        for path in args.candidate_shifts or []:
            shifts += read_candidate_file(path)
        return with_candidates(scenario, shifts)
    except CandidateError as exc:
        raise UsageError(f"omsim: {exc}") from None
    except ScenarioError as exc:
        raise UsageError(str(exc)) from None


def candidates_note(candidates: Sequence[Variable], variables: Sequence[Variable], point) -> str:
    """Which candidate shifts the answer opens (headcount > 0) and which stay closed."""
    heads = {v.label: x for v, x in zip(variables, point, strict=True)}
    opened = [f"{v.label}={heads[v.label]}" for v in candidates if heads[v.label]]
    closed = [v.label for v in candidates if not heads[v.label]]
    text = "Candidate shifts opened: " + ("; ".join(opened) if opened else "none")
    if closed:
        text += f" (left closed: {'; '.join(closed)})"
    return text


def cmd_size(args: argparse.Namespace) -> int:
    """omsim size: search the cheapest staffing meeting the SLAs; print and store it."""
    from analysis.stats.workload import minutes_per_order, workload_table
    from sim.cli.experiment_options import (
        EXIT_FAILED_RUNS,
        check_experiment_args,
        jobs_of,
        measurement_of,
        open_store,
        progress_bar,
        report_failures,
        stored_note,
    )
    from sim.experiments.experiment import ExperimentFailed
    from sim.scenario import load_scenario, with_overrides

    check_experiment_args(args)
    if args.max_headcount < 1:
        raise UsageError(f"omsim: --max-headcount: expected at least 1, found {args.max_headcount}")
    if args.global_budget < 0:
        raise UsageError(f"omsim: --global-budget: expected >= 0, found {args.global_budget}")
    scenario = load_scenario(args.scenario, overrides_from(args))
    n_roster = len(scenario.staffing.shifts)
    scenario = _add_candidates(args, scenario)
    known = known_kpis(scenario)
    slas = []
    for text in args.sla:
        try:
            slas.append(parse_sla(text, known))
        except ValueError as exc:
            raise UsageError(f"omsim: --sla {text}: {exc}") from None
    for sla in slas:
        if (why := monotonicity_warning(sla)) is not None:
            log.warning("--sla %s: %s; the search assumes it does", sla.text, why)
    roles = _roles(args.roles, scenario)
    for shift in scenario.staffing.shifts[n_roster:]:
        if shift.role not in roles:
            raise UsageError(
                f"omsim: --candidate-shift {shift_label(shift)!r}: expected a shift of the "
                f"sized roles ({', '.join(roles)}), found a {shift.role} shift"
            )
    variables = sizing_variables(scenario, roles)
    if not variables:
        raise UsageError("omsim: --roles: expected roles with shifts, found none")
    candidates = [v for v in variables if v.index >= n_roster]
    measurement = measurement_of(args)
    uncovered = horizon_warning(
        measurement.apply(scenario), [v.index for v in variables], measurement.warmup_days
    )
    settings = {
        "seed": args.seed, "warmup_days": measurement.warmup_days, **measurement.settings(),
        "replications": args.replications,
        "slas": [s.text for s in slas], "roles": roles, "max_headcount": args.max_headcount,
        "global_budget": args.global_budget, "scenario": scenario.fingerprint(),
        "candidate_shifts": [v.label for v in candidates],
    }  # fmt: skip
    store = open_store(args, "size", settings)
    start = time.perf_counter()
    with progress_bar("size", args.replications) as update:
        try:
            search, oracle = size_staffing(
                scenario, slas, roles, args.max_headcount, args.replications, args.seed,
                measurement.warmup_days, jobs_of(args), update, args.global_budget,
                measurement, store=store, cluster=args.cluster,
            )  # fmt: skip
        except ExperimentFailed as exc:
            store.finish(exc.failures, {"wall_s": round(time.perf_counter() - start, 3)})
            report_failures(exc.failures)
            sys.stderr.write("omsim: sizing stopped: a replication failed\n")
            return EXIT_FAILED_RUNS
    wall = time.perf_counter() - start
    if uncovered is not None:  # after the runs, so that bad input stays one line
        log.warning("%s", uncovered)
    best = oracle.evaluations.get(search.best) if search.best is not None else None
    answer = None if best is None else {
        "staffing": best.label, "weekly_cost": round(best.cost, 2),
        "headcount": {v.label: x for v, x in zip(variables, best.point, strict=True)},
        "proven_optimal": search.proven_optimal, "locally_minimal": search.locally_minimal,
        "opened": {
            v.label: x for v, x in zip(variables, best.point, strict=True) if v in candidates and x
        },
    }  # fmt: skip
    workload = None
    if best is not None and oracle.minutes_per_order:
        answer_scenario = with_overrides(scenario, oracle.overrides(best.point))
        minutes = minutes_per_order(oracle.kpis.get(best.point, []), roles) or (
            oracle.minutes_per_order
        )
        workload = workload_table(answer_scenario, minutes)
    store.record(
        frontier=frontier_rows(list(oracle.evaluations.values()), search.best), answer=answer,
        evaluations=len(oracle.evaluations), inferred=search.inferred, grid=search.grid_size,
        horizon_warning=uncovered,
        workload=None if workload is None else workload.to_dicts(),
        busy_min_per_order=oracle.minutes_per_order,
    )  # fmt: skip
    store.finish([], {"replications": args.replications, "wall_s": round(wall, 3)})
    print_result(search, oracle.evaluations, oracle.variables, slas, args.replications)
    if candidates and best is not None:
        sys.stdout.write(candidates_note(candidates, variables, best.point) + "\n")
    if workload is not None:
        per_order = ", ".join(f"{r} {m:.2f}" for r, m in minutes.items())
        sys.stdout.write(
            f"busy minutes per order measured on the answer's runs: {per_order}; expected "
            "orders per hour from demand.orders_per_day, weekday_multipliers and hourly weights\n"
        )
        print_workload(workload, best.label)
    sys.stdout.write(f"{measurement.describe()}; {wall:.1f} s\n")
    sys.stdout.write(stored_note(store) + "\n")
    if best is None:
        top = max(oracle.evaluations.values(), key=lambda e: (e.simulated, e.cost))
        missed = [
            f"{r.sla.text}: mean {_fmt(r.mean, r.sla.unit)}, bound {_fmt(r.bound, r.sla.unit)}"
            + (f", NaN in {r.n_nan} runs" if r.n_nan else "")
            for r in top.results
            if not r.met
        ] + list(top.unstable) or [top.note]
        sys.stderr.write(
            f"omsim: no staffing up to --max-headcount {args.max_headcount} meets every SLA; "
            f"at the largest tried ({top.label}): {'; '.join(missed)}\n"
        )
        return EXIT_INFEASIBLE
    return 0


def add_size_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``size`` subcommand."""
    from sim.cli.experiment_options import add_experiment_args

    p = sub.add_parser(
        "size",
        help="find the cheapest headcount per shift that meets every SLA",
        description="Search the headcounts of the shifts of --roles for the cheapest weekly "
        "wage bill that meets every --sla with 95% one-sided confidence over -r replications "
        "(common random numbers). Each staffing is run in steady state by default (1 "
        "warm-up week, 2 measured weeks, a 7-day tail, orders arriving throughout; see "
        "--warmup-weeks, --weeks, --tail-days, --plain) and is infeasible when open orders or "
        "time to ship rise significantly over the measured weeks or its paid hours fall below "
        "the workload. Starts near the answer (workload and Erlang C) and assumes more staff "
        "never hurts service, which lets it skip most of the grid. Prints the cost/SLA "
        "frontier and the answer's workload-versus-capacity table and stores them (see --out) "
        "for 'omsim report'. See docs/SIZING.md.",
    )
    p.add_argument("scenario", type=Path, help="scenario TOML file")
    p.add_argument(
        "--sla",
        action="append",
        required=True,
        metavar="'KPI >= VALUE'",
        help="service level to meet, repeatable: 'shipped_same_day >= 95%%', "
        "'lead_time_p95 <= 2d' (durations d, h, min, m, s; > and < mean >= and <=)",
    )
    p.add_argument(
        "--roles",
        metavar="A,B",
        help="roles whose shifts to size (default: every role with shifts)",
    )
    p.add_argument(
        "--max-headcount",
        type=count_arg,
        default=50,
        metavar="N",
        help="largest headcount tried per shift (default 50)",
    )
    p.add_argument(
        "--global-budget",
        type=count_arg,
        default=20,
        metavar="N",
        help="after the local search, simulate at most N more staffings to prove the answer "
        "cheapest on the grid (default 20; 0: stop at a local minimum)",
    )
    p.add_argument(
        "--candidate-shift",
        action="append",
        metavar="'ROLE DAYS HH:MM-HH:MM'",
        help="a shift the roster does not have that the search may open (starts at headcount "
        "0), repeatable: 'pickers Sun 08:00-16:00', 'packers Mon-Fri 17:00-21:00', "
        "'pickers Sat 07:00-13:00 zone 2'",
    )
    p.add_argument(
        "--candidate-shifts",
        action="append",
        type=Path,
        metavar="FILE",
        help="TOML file of candidate shifts: [[shifts]] tables with the keys of "
        "staffing.shifts (role, days, start, end, zone, breaks), no headcount",
    )
    add_experiment_args(p, replications=5)
    add_override_args(p)
    p.set_defaults(func=cmd_size)
