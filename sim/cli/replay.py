"""``omsim import`` and ``omsim replay``: real order files in, a run of real orders out."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from sim import paths
from sim.atomic import write_atomic, write_bytes_atomic
from sim.cli.common import (
    UsageError,
    _parse_sets,
    _progress_bar,
    add_run_out_args,
)
from sim.cli.measurement_options import add_max_orders_arg
from sim.cli.run import print_kpis
from sim.config.replay import ORDER_FORMATS
from sim.scenario import load_scenario
from sim.strict_numbers import count_arg, non_negative_arg, seed_arg

log = logging.getLogger("omsim")


def read_history(path, fmt: str, tz: str | None, args: argparse.Namespace | None = None):
    """Import an order file (or a list of them) and print its counts and reject reasons
    (stderr); ``args`` may carry ``--delimiter`` and ``--encoding``."""
    from analysis.importers.read import read_orders

    opts = {
        "delimiter": getattr(args, "delimiter", None),
        "encoding": getattr(args, "encoding", None),
    }
    result = read_orders(path, fmt, tz, **opts)
    if isinstance(path, list):
        path = ", ".join(str(p) for p in path) if len(path) > 1 else path[0]
    c = result.counts()
    reasons = ", ".join(f"{r} {n:,}" for r, n in sorted(result.reject_reasons().items()))
    print(
        f"{path}: {c['rows_read']:,} rows read, {c['orders']:,} orders with {c['lines']:,} "
        f"lines imported, {c['rejected']:,} rows rejected" + (f" ({reasons})" if reasons else ""),
        file=sys.stderr,
    )
    return result


def write_rejects(result, path: Path) -> None:
    """The rejects table as CSV (file, row, column, reason), header only when none."""
    write_atomic(path, result.rejects.write_csv)
    print(f"wrote {result.rejects.height:,} rejected rows to {path}", file=sys.stderr)


def rejects_path(args: argparse.Namespace) -> Path:
    """Where the rejected rows go: --rejects, else rejects.csv in --out, else here."""
    if args.rejects is not None:
        return args.rejects
    if getattr(args, "out", None) is not None:
        return args.out / "rejects.csv"
    first = args.orders[0] if isinstance(args.orders, list) else args.orders
    return Path(f"rejects_{Path(first).name.split('.')[0]}.csv")


def cmd_import(args: argparse.Namespace) -> int:
    """omsim import: an order file to the documented orders-and-lines schema (Parquet)."""
    orders = args.orders if len(args.orders) > 1 else args.orders[0]
    result = read_history(orders, args.format, args.tz, args)
    out: Path = args.out
    write_atomic(out / "orders.parquet", result.orders.write_parquet)
    write_atomic(out / "lines.parquet", result.lines.write_parquet)
    write_rejects(result, rejects_path(args))
    print(f"wrote orders.parquet and lines.parquet to {out}")
    return 0


def replay_scenario(args: argparse.Namespace):
    """The scenario with the order file to replay and the --set overrides."""
    overrides: dict[str, object] = dict(_parse_sets(args.set or []))
    overrides.update(
        {
            "replay.orders": str(Path(args.orders).resolve()),
            "replay.format": args.format,
            "replay.tz": args.tz or "",
            "replay.delimiter": args.delimiter or "",
            "replay.encoding": args.encoding or "",
        }
    )
    return load_scenario(args.scenario, overrides)


def cmd_replay(args: argparse.Namespace) -> int:
    """omsim replay: the model driven by real orders; KPIs, tables, live snapshots."""
    from sim.experiments.runner import kpis_of
    from sim.live import Feed, LiveRun
    from sim.model import Model
    from sim.output import check_run_folder, write_run
    from sim.run_estimate import check_run

    if args.follow and not args.speed:
        raise UsageError("--follow: expected --speed too (a followed file is read as it grows)")
    scenario = replay_scenario(args)
    if args.out:
        check_run_folder(args.out, args.force)
    history = read_history(args.orders, args.format, args.tz, args)
    if history.orders.height > args.max_orders:
        raise UsageError(
            f"omsim: {args.orders}: expected a replay of at most {args.max_orders:,} orders, "
            f"found {history.orders.height:,}; raise the limit with --max-orders "
            f"{history.orders.height}"
        )
    write_rejects(history, rejects_path(args))
    window = None
    feed_box: list = []

    def follow_arrivals(m):  # a generator: its body runs once the feed exists
        yield from feed_box[0].arrivals(m)

    if args.follow:
        first = history.orders["placed_at"].min()
        start = first.replace(tzinfo=None, second=0, microsecond=0)
        window = (start, args.days or scenario.simulation.horizon_days)
    model = Model(
        scenario,
        args.seed,
        args.replication,
        replay_history=history,
        replay_window=window,
        arrivals=follow_arrivals if args.follow else None,
    )
    if args.follow:
        feed_box.append(
            Feed(model, lambda: complete_lines(scenario), history, source=str(args.orders))
        )
    check_run(model.scenario, args.max_orders)
    span = model.scenario.simulation.horizon_days
    if args.warmup_days >= span:
        raise UsageError(
            f"omsim: --warmup-days: expected less than the replayed {span:g} days of orders, "
            f"found {args.warmup_days:g} (no order would be scored); lower it"
        )
    for note in model.replay.notes:
        print(f"replay: {note}", file=sys.stderr)
    live = args.speed or args.snapshot or args.follow
    if live:
        runner = LiveRun(
            model,
            speed=args.speed,
            snapshot=args.snapshot,
            feed=feed_box[0] if feed_box else None,
            source=str(args.orders),
        )
        result = runner.run()
    else:
        sim = model.scenario.simulation
        update, close = _progress_bar(
            f"replay {Path(args.orders).name} (seed {args.seed})",
            sim.horizon_days + sim.drain_days,
        )
        try:
            result = model.run(update)
        finally:
            close()
    if feed_box and (rejects := feed_box[0].all_rejects()) is not None:
        path = rejects_path(args)
        path.parent.mkdir(parents=True, exist_ok=True)
        # the whole followed file's rejects, appended lines included
        write_atomic(path, rejects.write_csv)
        print(f"wrote {rejects.height:,} rejected rows (followed file) to {path}", file=sys.stderr)
    kpis = kpis_of(result, args.warmup_days)
    title = (
        f"{model.scenario.name} replaying {Path(args.orders).name}: seed {args.seed}, "
        f"replication {args.replication}, {result.orders.height:,} orders in {result.wall_s:.1f} s"
    )
    print_kpis(kpis, title, args.explain, args.all)
    if args.out:
        out = write_run(result, args.out, kpis)
        print(f"wrote the run's tables, kpis.json and manifest.json to {out}")
    return 0


def complete_lines(scenario):
    """The followed order file imported up to its last end of line: a row being written
    (no end of line yet) waits for the next read instead of joining with a cut-off value."""
    import tempfile

    from analysis.importers.history import import_history
    from analysis.importers.read import read_orders

    cfg = scenario.replay
    src = Path(cfg.orders)
    if not src.is_file() or src.suffix == ".gz":
        return import_history(scenario)
    data = paths.read_bytes(src, paths.MAX_ORDER_BYTES)
    data = data[: data.rfind(b"\n") + 1]
    with tempfile.TemporaryDirectory() as d:
        copy = write_bytes_atomic(Path(d) / src.name, data)
        return read_orders(
            copy,
            cfg.format,
            cfg.tz or None,
            delimiter=cfg.delimiter or None,
            encoding=cfg.encoding or None,
        )


def add_import_args(p: argparse.ArgumentParser, several: bool = False) -> None:
    """ORDERS, --format, --tz, --delimiter, --encoding and --rejects: every command that reads
    an order file (``several``: one or more files, merged)."""
    if several:
        p.add_argument(
            "orders",
            type=Path,
            nargs="+",
            help="order file(s) (Olist: the folder of its CSV files); several files are "
            "merged, an order already in an earlier file rejected as overlapping",
        )
    else:
        p.add_argument("orders", type=Path, help="order file (Olist: the folder of its CSV files)")
    p.add_argument("--format", required=True, choices=ORDER_FORMATS, help="the order file's format")
    p.add_argument(
        "--tz",
        help="IANA time zone of the shop (e.g. Europe/London): naive times are read in it and "
        "times with a UTC offset converted to it (default: naive times as they are, offsets "
        "to UTC)",
    )
    p.add_argument(
        "--delimiter",
        help="CSV delimiter (default: detected from the header line: comma, semicolon, tab, pipe)",
    )
    p.add_argument(
        "--encoding",
        help="text encoding, e.g. latin-1 or cp1252 (default: UTF-8; a file that is not "
        "UTF-8 is read as Latin-1 with a warning)",
    )
    p.add_argument(
        "--rejects",
        type=Path,
        help="where to write the rejected rows (CSV; default rejects.csv in --out, else "
        "rejects_<file>.csv here)",
    )


def add_replay_parsers(sub) -> None:
    """Register ``omsim import`` and ``omsim replay``."""
    i = sub.add_parser("import", help="read order files into the documented order schema")
    add_import_args(i, several=True)
    i.add_argument("-o", "--out", type=Path, required=True, help="output folder (Parquet)")
    i.set_defaults(func=cmd_import)

    r = sub.add_parser("replay", help="run a scenario on real orders (optionally live)")
    add_import_args(r)
    r.add_argument("--scenario", type=Path, required=True, help="scenario TOML file")
    r.add_argument("--seed", type=seed_arg, default=1, help="random seed (default 1)")
    r.add_argument(
        "--replication", type=count_arg, default=0, help="replication number (default 0)"
    )
    r.add_argument(
        "--warmup-days",
        type=non_negative_arg,
        default=0.0,
        help="exclude the first W days from the KPIs",
    )
    r.add_argument("--explain", action="store_true", help="say what each KPI is")
    add_max_orders_arg(r)
    r.add_argument(
        "--all", action="store_true", help="show every KPI (default: headline and key ones)"
    )
    add_run_out_args(r)
    r.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="override a scenario key by dotted path, e.g. picking.method=batch",
    )
    r.add_argument(
        "--speed",
        type=_positive,
        help="live: simulated seconds per wall-clock second (3600 = an hour per second)",
    )
    r.add_argument(
        "--snapshot", type=Path, help="live: JSON file rewritten every second with the state"
    )
    r.add_argument(
        "--follow",
        action="store_true",
        help="live: keep reading the order file as it grows (needs --speed)",
    )
    r.add_argument(
        "--days",
        type=_positive,
        help="--follow: N days of orders from the first order, plus simulation.drain_days "
        "to finish them (default N = simulation.horizon_days)",
    )
    r.set_defaults(func=cmd_replay)


def _positive(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, found {text!r}") from None
    if not v > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, found {text!r}")
    return v
