"""Live page: replay real orders through a scenario with ``omsim replay`` (a subprocess that
paces simulated time against the wall clock and rewrites a JSON snapshot about every second),
or watch the snapshot of a replay started on the command line, and see queues build as the
snapshot changes: counts, queues per stage, history, orders at risk and the KPIs so far.

The page never imports the model: it starts the command line and reads the snapshot file
(:mod:`app_pages.live_view`).
"""

from __future__ import annotations

import io
import json
import shlex
import signal
import subprocess
import tempfile
import time
import weakref
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from analysis.plots.layout import draw_layout
from app_pages import common
from app_pages import live_view as lv
from sim import paths
from sim.config import Scenario

#: What the empty "Order file" field suggests (a file of the data folder).
SAMPLE = "online_retail_sample.csv"

#: Session keys: the replay started by this session, its folder, the last snapshot read.
REPLAY, FOLDER, LAST = "live_replay", "live_dir", "live_last"

#: The snapshot path being watched (a widget key).
WATCH = "live_watch"
FLOOR_SCENARIO = "live_floor_scenario"  # (path, mtime) and the scenario drawn


# --- the replay subprocess -------------------------------------------------------------


def _session_dir() -> Path:
    """This session's folder for the snapshot, the log and the rejects (created once per
    session, in ``live/`` of the runs folder, where the snapshot may be watched from)."""
    folder = st.session_state.get(FOLDER)
    if folder is None or not Path(folder).is_dir():
        parent = common.runs_root() / "live"
        parent.mkdir(parents=True, exist_ok=True)
        folder = tempfile.mkdtemp(prefix="omsim-live-", dir=parent)
        st.session_state[FOLDER] = folder
    return Path(folder)


def _launch(argv: list[str], log: Path) -> subprocess.Popen:
    """Start ``argv`` from the project root, its output (both streams) into ``log``."""
    env = common.omsim_env()
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: S603 - a fixed interpreter and module, no shell
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=common.APP_ROOT,
            env=env,
            start_new_session=True,  # its own process group, stopped as one
        )


def _terminate(proc: subprocess.Popen) -> None:
    """Ask a process still running to stop (without waiting for it)."""
    if proc.poll() is None:
        common.signal_group(proc, signal.SIGTERM)


class Replay:
    """A replay started by this session: its process, command and log. Besides the Stop
    button and starting another replay, the process is terminated when Streamlit drops the
    session (not as soon as the tab closes: a disconnected session is kept a while) and
    when the server exits, so a ``--follow`` replay does not outlive the app."""

    def __init__(self, proc: subprocess.Popen, argv: list[str], log: Path) -> None:
        self.proc, self.argv, self.log, self.stopped = proc, argv, log, False
        weakref.finalize(self, _terminate, proc)

    def stop(self) -> None:
        """Stop the process if it still runs (terminate, then kill after 5 s)."""
        self.stopped = True
        common.stop_group(self.proc, grace_s=5.0)


def _writes(replay: Replay | None, file: Path) -> bool:
    """Whether ``file`` is the snapshot of the replay started here."""
    if replay is None or "--snapshot" not in replay.argv:
        return False
    written = replay.argv[replay.argv.index("--snapshot") + 1]
    return Path(written).resolve() == file.resolve()


def _command_text(argv: list[str]) -> str:
    """The replay as the ``omsim`` command a person would type."""
    return shlex.join(["omsim", *argv[3:]])


# --- the inputs ------------------------------------------------------------------------


def order_roots() -> tuple[Path, ...]:
    """Where an order file may be: the data folder and the runs folder."""
    return common.data_root(), common.runs_root()


def snapshot_roots() -> tuple[Path, ...]:
    """Where a watched snapshot may be: the runs folder (the replays started here write
    theirs in its ``live/``) and the data folder."""
    return common.runs_root(), common.data_root()


def _start_form(root: Path, files: list[str]) -> None:
    """The "Start a live replay" form; on submit, start the replay and watch its snapshot."""
    with st.form("live_start"):
        cols = st.columns([3, 1])
        with cols[0]:
            st.text_input(
                "Order file",
                key=common.remembered("live_orders", ""),
                placeholder=SAMPLE,
                help=f"A file of the data folder ({common.data_root()}, $OMSIM_DATA_DIR) or "
                "the runs folder; a relative path is taken from the data folder.",
            )
        with cols[1]:
            st.selectbox(
                "Format",
                lv.FORMATS,
                key=common.remembered("live_format", "online-retail", lv.FORMATS),
            )
        cols = st.columns([2, 2, 1])
        with cols[0]:
            default = "baseline" if "baseline" in files else files[0]
            st.selectbox("Scenario", files, key=common.remembered("live_scenario", default, files))
        with cols[1]:
            st.selectbox(
                "Speed (simulated seconds per second)",
                lv.SPEEDS,
                format_func=lv.speed_label,
                key=common.remembered("live_speed", 3600, lv.SPEEDS),
            )
        with cols[2]:
            st.checkbox(
                "Follow",
                key=common.remembered("live_follow", False),
                help="At the end of the file, wait for new orders appended to it.",
            )
        submitted = st.form_submit_button("Start the replay", type="primary")
    keys = ("orders", "format", "scenario", "speed", "follow")
    s = {k: common.remember(f"live_{k}") for k in keys}
    if not submitted:
        return
    if not str(s["orders"]).strip():
        st.error(f"Order file: expected a file of the data folder {common.data_root()}, found none")
        return
    orders = lv.resolve(s["orders"], common.data_root())
    try:  # confined, a regular file (an Olist folder for olist), never read here
        paths.check_file(
            orders, paths.MAX_ORDER_BYTES, order_roots(), directory_ok=s["format"] == "olist"
        )
    except paths.PathError as exc:
        st.error(f"Order file: {exc}")
        return
    scenario = common.inside(root, s["scenario"], ".toml")
    if (previous := st.session_state.get(REPLAY)) is not None:
        previous.stop()
    folder = _session_dir()
    snapshot, log = folder / "snapshot.json", folder / "replay.log"
    snapshot.unlink(missing_ok=True)  # never show the previous replay's last snapshot
    argv = lv.replay_command(
        orders,
        s["format"],
        scenario,
        s["speed"],
        snapshot,
        follow=bool(s["follow"]),
        rejects=folder / "rejects.csv",  # not in the project folder (the working directory)
    )
    try:
        proc = _launch(argv, log)
    except OSError as exc:
        st.error(f"Cannot start the replay: {exc}")
        return
    st.session_state[REPLAY] = Replay(proc, argv, log)
    st.session_state[WATCH] = str(snapshot)  # the watch input is drawn below: allowed here


# --- the live view ---------------------------------------------------------------------


def _replay_panel(replay: Replay) -> str | None:
    """The replay started here: running (with a Stop button), stopped, finished or failed
    (with the end of its log). Returns how it ended (``stopped``, ``finished``, ``failed``)
    or None while it runs."""
    proc = replay.proc
    if proc.poll() is None:
        cols = st.columns([5, 1])
        with cols[1]:
            if st.button("Stop the replay", key="live_stop"):
                replay.stop()
        if proc.poll() is None:
            with cols[0]:
                command = _command_text(replay.argv)
                st.caption(f"Replay running (process {proc.pid}): `{command}`")
            return None
    code = proc.poll()
    if replay.stopped:
        st.info("You stopped the replay; the figures below are from its last snapshot.")
        return "stopped"
    if code == 0:
        st.success("The replay finished.")
        return "finished"
    tail = lv.log_tail(replay.log) or "(no output)"
    st.error(f"The replay stopped with exit code {code}:\n\n```\n{tail}\n```")
    return "failed"


def _floor(snapshot: dict, file: Path) -> bytes | None:
    """The warehouse drawn with each station's queue and busy workers now (PNG), when the
    snapshot names the scenario file written beside it."""
    name = snapshot.get("scenario_file")
    if not name:
        return None
    path = file.with_name(Path(str(name)).name)  # beside the snapshot, nowhere else
    try:
        key = (str(path), path.stat().st_mtime_ns)
        cached = st.session_state.get(FLOOR_SCENARIO)
        if cached is None or cached[0] != key:
            text = paths.read_text(path, paths.MAX_JSON_BYTES, snapshot_roots())
            scenario = Scenario.model_validate(json.loads(text))
            st.session_state[FLOOR_SCENARIO] = cached = (key, scenario)
    except (OSError, ValueError):
        return None
    stations = {
        s["stage"]: {"queue": s.get("queue", 0), "busy": s.get("busy", 0),
                     "on_duty": s.get("on_duty", 0)}
        for s in snapshot.get("stages", []) if isinstance(s, dict) and "stage" in s
    }  # fmt: skip
    fig = draw_layout(cached[1], stations=stations, title=lv.fmt_clock(snapshot.get("sim_clock")))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=70)
    return buf.getvalue()


def _render(snapshot: dict[str, Any], age_s: float, file: Path, ended: str | None = None) -> None:
    """One snapshot: status and clock, counts, queues per stage, history, orders at risk and
    the KPIs so far. ``ended``: how the replay started here ended, which its last snapshot
    (written before) cannot say."""
    if (note := lv.version_note(snapshot)) is not None:
        st.warning(note)
    speed = lv.as_number(snapshot.get("speed"))
    status = lv.ended_text(snapshot, ended) if ended else lv.status_text(snapshot)
    st.markdown(
        f"**{status}** · simulated time "
        f"**{lv.fmt_clock(snapshot.get('sim_clock'))}** "
        f"(the orders run to {lv.fmt_clock(snapshot.get('end_clock'))})"
        + (f" · speed {lv.speed_label(speed)}" if speed else "")
    )
    st.caption(
        f"Scenario {snapshot.get('scenario', '-')}, orders from {snapshot.get('source', '-')}."
    )
    if ended is None and lv.is_stale(snapshot.get("status"), age_s):
        st.warning(
            f"The snapshot has not changed for {age_s:.0f} s although the replay is "
            f"{snapshot.get('status')}: it may have stopped."
        )
    shown = lv.counts(snapshot)
    for col, (label, value) in zip(st.columns(len(shown)), shown, strict=True):
        col.metric(label, value)
    st.caption(
        "Placed = in progress + shipped + lost"
        + (f" + {lv.OTHER.lower()}" if any(lb == lv.OTHER for lb, _ in shown) else "")
        + "; at risk: in progress and close to missing the carrier's pickup."
    )
    floor = _floor(snapshot, file)
    if floor is not None:
        st.subheader("The floor")
        st.image(floor)
    left, right = st.columns(2)
    with left:
        st.subheader("Queues by stage")
        bars = lv.stage_chart_frame(snapshot)
        if bars.empty:
            st.caption("No stages in the snapshot.")
        else:
            st.bar_chart(bars, stack=False, sort=False, horizontal=True, y_label="orders")
    with right:
        st.subheader("Over simulated time")
        history = lv.history_frame(snapshot)
        if history.empty:
            st.caption("No history yet.")
        else:
            st.line_chart(history, y_label="orders")
    at_risk = lv.at_risk_frame(snapshot)
    n_at_risk = lv.as_number(snapshot.get("n_at_risk"))
    st.subheader("Orders at risk of missing their ship-by time")
    if at_risk.empty:
        st.caption("None.")
    else:
        if n_at_risk is not None and n_at_risk > len(at_risk):
            st.caption(f"The {len(at_risk)} soonest of {n_at_risk:,.0f}.")
        st.dataframe(at_risk, hide_index=True, width="stretch")
    st.subheader("KPIs so far")
    rows = lv.kpi_rows(snapshot)
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True)
    else:
        st.caption("No KPIs yet.")


@st.fragment(run_every=1)
def live(path: str) -> None:
    """Every second: the replay started here, and the snapshot in ``path`` (the previous one
    kept while the file is being replaced)."""
    ended = None
    if (replay := st.session_state.get(REPLAY)) is not None:
        ended = _replay_panel(replay)
    if not path.strip():
        st.info("Start a replay above, or enter the snapshot file of one to watch it.")
        return
    file = lv.resolve(path, common.runs_root())
    if (problem := lv.snapshot_problem(file, snapshot_roots())) is not None:
        st.error(f"Snapshot file: {problem}")
        return
    kept = st.session_state.get(LAST)
    previous = kept[1] if kept and kept[0] == str(file) else None
    snapshot = lv.load_snapshot(file, previous, snapshot_roots())
    if snapshot is None:
        st.info(f"Waiting for the first snapshot in {file} ...")
        return
    st.session_state[LAST] = (str(file), snapshot)
    try:
        age_s = time.time() - file.stat().st_mtime
    except OSError:
        age_s = 0.0
    _render(snapshot, age_s, file, ended if _writes(replay, file) else None)


def main() -> None:
    """The Live page."""
    st.title("Live")
    st.markdown(
        "Live mode replays a file of real orders through a scenario, one simulated hour per "
        "second at speed 3600, so you can watch queues build as the orders arrive. From the "
        "command line: `omsim replay ORDERS --format F --scenario S --speed 3600 "
        "--snapshot PATH [--follow]`, then watch PATH here."
    )
    root = common.scenarios_root()
    files = common.scenario_files(root)
    st.subheader("Start a live replay")
    if files:
        _start_form(root, files)
    else:
        st.warning(f"No scenario files in {root}.")
    st.subheader("Or watch a snapshot file")
    st.text_input(
        "Snapshot file",
        key=common.remembered(WATCH, ""),
        placeholder="live/snapshot.json",
        help="The --snapshot path of a replay started on the command line, in the runs "
        f"folder ({common.runs_root()}) or the data folder; a relative path is taken from "
        "the runs folder.",
    )
    st.divider()
    live(str(common.remember(WATCH)))


main()
