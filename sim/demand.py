"""Synthetic demand: the SKU catalogue and a non-homogeneous Poisson stream of orders.

Everything that describes an order is drawn when the order is created, a fixed number of draws
per order from demand-only streams, whether or not the scenario uses them, so a change of
policy (picking method, staffing, packaging...) never shifts the random numbers later orders
get: replication k of every scenario sees the same orders (common random numbers).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy.special import ndtri

from sim.calendar import Calendar
from sim.config import Scenario
from sim.eventlog import NULL_CODE, NULL_INT
from sim.routing import Layout
from sim.stages.payment import N_PAY_UNIFORMS
from sim.streams import CATALOG_REPLICATION, Stream, generator
from sim.units import DAY, HOUR, WEEKDAYS

BLOCK = 4096
NAN = float("nan")

# Columns of the per-order uniform matrix (a fixed number of draws per order).
U_LINES, U_SERVICE, U_CHANNEL, U_VALUE = 0, 1, 2, 3
U_PICK_TIME, U_PACK_TIME, U_VERIFY, U_DAMAGE = 4, 5, 6, 7
U_TRANSIT, U_DELIVERY_TIME, U_LABEL_JAM = 8, 9, 10
U_LAPSE, U_GAP = 11, 12  # customers: leaving after the order, wait until the next one
U_HOLD = 13  # the release hold (sim.config.hold)
U_RESERVED = 16  # columns 14..15 are spare
#: Uniforms per order for returns and reviews (``Order.after_u``, sim.stages.returns).
N_AFTER_UNIFORMS = 17
N_UNIFORMS = U_RESERVED
# Positions in ``Order.u``: the two time multipliers, then columns U_VERIFY.. of the matrix.
K_PICK, K_PACK, K_VERIFY, K_DAMAGE, K_TRANSIT, K_DELIVERY, K_JAM, K_LAPSE, K_GAP, K_HOLD = range(10)


@dataclass(frozen=True)
class Catalog:
    """SKU attributes as arrays indexed by SKU (SKU 0 is the most popular)."""

    cum_popularity: np.ndarray
    volume_l: np.ndarray
    weight_kg: np.ndarray
    fragility: np.ndarray
    fragile: np.ndarray
    slot: np.ndarray

    @classmethod
    def build(cls, scenario: Scenario, layout: Layout, seed: int) -> Catalog:
        """Draw the catalogue (the same in every replication of a seed) and slot it."""
        cat = scenario.catalog
        rng = generator(seed, CATALOG_REPLICATION, Stream.CATALOG)
        n = cat.n_skus
        ranks = np.arange(1, n + 1, dtype=float)
        pop = ranks ** (-cat.popularity_zipf_exponent)
        cum = np.cumsum(pop / pop.sum())
        cum[-1] = 1.0

        def log_uniform(lo: float, hi: float) -> np.ndarray:
            return np.exp(rng.uniform(np.log(lo), np.log(hi), n))

        volume = log_uniform(cat.unit_volume_l_min, cat.unit_volume_l_max)
        weight = log_uniform(cat.unit_weight_kg_min, cat.unit_weight_kg_max)
        fragile = rng.random(n) < cat.fragile_share
        fragility = np.where(fragile, cat.damage_prob_fragile, cat.damage_prob_robust)
        perm = rng.permutation(layout.n_slots)
        if cat.slotting == "random":
            slots = perm[:n]
        elif scenario.picking.method in ("zone", "wave"):
            slots = _zone_balanced_slots(layout, scenario.picking.zone.n_zones, n)
        else:
            slots = np.argsort(layout.depot_distance(), kind="stable")[:n]
        return cls(cum, volume, weight, fragility, fragile, slots.astype(np.int64))


def _zone_balanced_slots(layout: Layout, n_zones: int, n: int) -> np.ndarray:
    """Popularity slotting for zone and wave picking: SKUs by popularity rank go to the zones
    in turn (so the zones share the work), each to its zone's free slot nearest the zone's
    depot."""
    from sim.zone_aisles import zone_bounds, zone_layout

    per_side = 2 * layout.slots_per_side
    bounds = zone_bounds(layout.n_aisles, n_zones)
    queues = []
    for z in range(n_zones):
        local = zone_layout(layout, bounds[z + 1] - bounds[z]).depot_distance()
        queues.append((bounds[z] * per_side + np.argsort(local, kind="stable")).tolist())
    out: list[int] = []
    taken = [0] * n_zones
    z = 0
    while len(out) < n:  # n <= total slots (checked at load), so this ends
        if taken[z] < len(queues[z]):
            out.append(queues[z][taken[z]])
            taken[z] += 1
        z = (z + 1) % n_zones
    return np.asarray(out, dtype=np.int64)


class GivenOrders(NamedTuple):
    """The known contents of a block of real orders (``OrderSource.block``): lines per order;
    catalogue SKU and units per line (all orders' lines in order); service and channel index
    per order (-1: draw it); value per order (NaN: draw it)."""

    n_lines: np.ndarray
    skus: np.ndarray
    units: np.ndarray
    service: np.ndarray
    channel: np.ndarray
    value: np.ndarray


class Order:
    """One order while it is alive in the model (its row is written when it leaves)."""

    __slots__ = (
        "id", "channel", "service", "priority", "n_lines", "n_units", "value", "placed_at",
        "released_at", "promised_at", "ship_by_at", "picked_at", "packed_at", "labelled_at",
        "shipped_at", "delivered_at", "slots", "units", "err_u", "volume_l", "weight_kg",
        "fragility", "fragile", "u", "pick_errors", "errors_open", "errors_caught", "travel_m",
        "carrier", "box", "n_parcels", "material", "billable_kg", "damaged", "packaging_cost",
        "shipping_cost", "t_ready", "attempt", "repick", "batch_id", "pending", "state",
        "plan", "special_action", "special_cost", "received_at", "paid_at", "lost_at",
        "lost_cause", "duplicate_of", "payment_attempts", "oversold", "backordered", "in_store",
        "pay_u", "hold", "need", "alloc", "short", "customer", "after_u",
    )  # fmt: skip

    def __init__(self) -> None:
        self.released_at = self.ship_by_at = NAN
        self.picked_at = self.packed_at = self.labelled_at = NAN
        self.shipped_at = self.delivered_at = NAN
        self.pick_errors = self.errors_open = self.errors_caught = 0
        self.travel_m = 0.0
        self.carrier = self.box = self.material = NULL_CODE
        self.n_parcels = 0
        self.billable_kg = self.packaging_cost = self.shipping_cost = 0.0
        self.damaged = False
        self.attempt = 0
        self.repick = False
        self.batch_id = 0xFFFFFFFF
        self.pending = 0  # picking methods: parts of the order still to be picked or sorted
        self.state = None  # picking methods: any per-order state they need
        self.plan = None  # (carrier offer, box, parcels, billable kg) chosen when it arrived
        self.special_action = 0  # index into SPECIAL_ACTIONS: what packing added
        self.special_cost = 0.0
        # receiving (sim/stages/receiving.py): back office, payment, stock
        self.received_at = self.lost_at = NAN
        self.lost_cause = 0  # index into LOST_CAUSES
        self.duplicate_of = NULL_INT
        self.payment_attempts = 0
        self.oversold = self.backordered = self.in_store = False
        self.hold = 0  # bit flags of what the order still waits for before its release
        self.need = self.alloc = self.short = None  # units per SKU; held; still owed
        self.customer = None  # sim.customers.Customer, when orders come from customers


class OrderTask:
    """Work about an order done apart from the order itself (a fraud review, a return): the
    fields a station's ``steps`` rows need, so ``Model.unfinished_order`` records it as it
    records an order, while the order goes its own way."""

    __slots__ = ("order", "id", "n_lines", "priority", "t_ready", "attempt", "batch_id")

    def __init__(self, o: Order, t_ready: float) -> None:
        self.order = o
        self.id, self.n_lines, self.priority = o.id, o.n_lines, o.priority
        self.t_ready = t_ready
        self.attempt, self.batch_id = 1, NULL_INT


def time_multiplier(u: np.ndarray, variability: str, cv: float) -> np.ndarray:
    """Mean-1 work-content multipliers from uniforms (inverse CDF keeps CRN across settings)."""
    if variability == "none":
        return np.ones_like(u)
    if variability == "exponential":
        return -np.log1p(-u)
    sigma2 = np.log1p(cv * cv)
    return np.exp(-sigma2 / 2 + np.sqrt(sigma2) * ndtri(u))


def _channel_mix(scenario: Scenario) -> tuple[np.ndarray, np.ndarray | None]:
    """Share of the day's orders in each hour, and (when a channel has its own profile) the
    cumulative channel mix of each hour (24 x channels; None: the mix is the shares)."""
    d = scenario.demand
    base = np.asarray(d.hourly_weights, dtype=float)
    base = base / base.sum()
    if not any(c.hourly_weights for c in d.channels):
        return base, None
    mix = np.empty((24, len(d.channels)))
    for c, ch in enumerate(d.channels):
        w = np.asarray(ch.hourly_weights, dtype=float) if ch.hourly_weights else base
        mix[:, c] = ch.share * w / w.sum()
    hourly = mix.sum(axis=1)
    cum = np.cumsum(mix / np.where(hourly > 0, hourly, 1.0)[:, None], axis=1)
    cum[:, -1] = np.inf
    return hourly / hourly.sum(), cum


def weekday_hour_weights(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """The hour-of-day weights of each weekday (7 x 24, any scale: ``hourly_weights`` or the
    weekday's own ``hourly_weights_by_weekday``) and the weekday multipliers (7)."""
    d = scenario.demand
    weights = np.array(
        [d.hourly_weights_by_weekday.get(day, d.hourly_weights) for day in WEEKDAYS], dtype=float
    )
    mult = np.array([d.weekday_multipliers.get(day, 1.0) for day in WEEKDAYS])
    return weights, mult


def weekday_hour_intensity(scenario: Scenario) -> np.ndarray:
    """Relative order intensity per (weekday, hour), 7 x 24: the weekday's multiplier times
    the share of its day's orders in that hour. Each row sums to that weekday's multiplier."""
    weights, mult = weekday_hour_weights(scenario)
    return mult[:, None] * (weights / weights.sum(axis=1, keepdims=True))


def _pmf_index(u: np.ndarray, pmf: list[float]) -> np.ndarray:
    cum = np.cumsum(pmf)
    cum[-1] = np.inf
    return np.searchsorted(cum, u, side="right")


class OrderSource:
    """Generates orders in arrival order, in vectorised blocks."""

    def __init__(
        self,
        scenario: Scenario,
        calendar: Calendar,
        catalog: Catalog,
        seed: int,
        replication: int,
        *,
        payment_uniforms: bool = False,
        aftersales_uniforms: bool = False,
    ) -> None:
        self.sc = scenario
        self.cal = calendar
        self.cat = catalog
        self.rng_arr = generator(seed, replication, Stream.ARRIVALS)
        self.rng_ord = generator(seed, replication, Stream.ORDER_PROFILE)
        self.rng_lines = generator(seed, replication, Stream.LINES)
        self.rng_pay = generator(seed, replication, Stream.PAYMENT) if payment_uniforms else None
        self.rng_after = (
            generator(seed, replication, Stream.AFTERSALES) if aftersales_uniforms else None
        )
        d = scenario.demand
        hourly, self.channel_cum = _channel_mix(scenario)
        # rate per minute for (weekday, hour)
        if self.channel_cum is None:
            self.rate = d.orders_per_day * weekday_hour_intensity(scenario) / HOUR
        else:  # channels with their own profiles (no weekday profiles, checked at load)
            mult = np.array([d.weekday_multipliers.get(day, 1.0) for day in WEEKDAYS])
            self.rate = d.orders_per_day * np.outer(mult, hourly) / HOUR
        self.rate_max = float(self.rate.max())
        #: dated multipliers per day index (None without demand.calendar: the same draws)
        self.day_mult = calendar.day_multipliers(scenario.demand.calendar)
        if self.day_mult is not None:
            self.rate_max *= float(self.day_mult.max(initial=1.0))
        self.start_weekday = calendar.start.weekday()
        self.promises = [calendar.promise_function(s) for s in d.services]
        self.next_id = 0

    def arrival_times(self) -> Iterator[np.ndarray]:
        """Blocks of arrival times (minutes) by thinning a Poisson process of rate rate_max."""
        if self.rate_max <= 0:
            return
        t = 0.0
        end = self.cal.arrivals_end
        smod = self.cal.start_minute_of_day
        while t < end:
            cand = t + np.cumsum(self.rng_arr.exponential(1.0 / self.rate_max, BLOCK))
            keep_u = self.rng_arr.random(BLOCK)
            t = float(cand[-1])
            abs_min = cand + smod
            day = (abs_min // DAY).astype(np.int64)
            hour = ((abs_min % DAY) // HOUR).astype(np.int64)
            wd = (day + self.start_weekday) % 7
            rate = self.rate[wd, hour]
            if self.day_mult is not None:
                rate = rate * self.day_mult[np.minimum(day, len(self.day_mult) - 1)]
            accept = keep_u * self.rate_max < rate
            times = cand[accept & (cand < end)]
            if len(times):
                yield times

    def orders(self) -> Iterator[Order]:
        """All orders of the run, in arrival order."""
        for times in self.arrival_times():
            yield from self.block(times)

    def unplaced(self) -> Iterator[Order]:
        """Orders without a time yet, for a caller that places them (customers): the same
        contents, drawn in blocks; set ``placed_at`` and ``promised_at`` when placing one."""
        while True:
            yield from self.block(np.zeros(BLOCK))

    def block(self, times: np.ndarray, given: GivenOrders | None = None) -> Iterator[Order]:
        """The orders placed at the given times (one block of draws). With ``given`` (real
        orders, ``sim.replay``) their lines, SKUs, units, value, and service and channel where
        known replace the drawn ones; every other draw is made as usual."""
        sc = self.sc
        d = sc.demand
        cat = self.cat
        svc_pmf = [s.share for s in d.services]
        ch_pmf = [c.share for c in d.channels]
        sigma2 = np.log1p(d.order_value_cv**2)
        mu = np.log(d.order_value_mean) - sigma2 / 2
        pk, pa = sc.picking, sc.packing
        priority = [s.priority for s in d.services]
        n = len(times)
        U = self.rng_ord.random((n, N_UNIFORMS))
        if given is None:
            n_lines = _pmf_index(U[:, U_LINES], d.lines_per_order_pmf) + 1
        else:
            n_lines = given.n_lines
        service = _pmf_index(U[:, U_SERVICE], svc_pmf)
        if self.channel_cum is None:
            channel = _pmf_index(U[:, U_CHANNEL], ch_pmf)
        else:  # channels with their own daily profile: the mix depends on the hour
            hour = (((times + self.cal.start_minute_of_day) % DAY) // HOUR).astype(np.int64)
            channel = (U[:, U_CHANNEL, None] >= self.channel_cum[hour]).sum(axis=1)
        if given is not None:
            channel = np.where(given.channel >= 0, given.channel, channel)
        value = np.exp(mu + np.sqrt(sigma2) * ndtri(U[:, U_VALUE]))
        for c, ch in enumerate(d.channels):
            if ch.service_share or ch.order_value_mean:
                mask = channel == c
                if ch.service_share:
                    pmf = [ch.service_share.get(sv.name, 0.0) for sv in d.services]
                    service[mask] = _pmf_index(U[mask, U_SERVICE], pmf)
                if ch.order_value_mean:
                    mu_c = np.log(ch.order_value_mean) - sigma2 / 2
                    value[mask] = np.exp(mu_c + np.sqrt(sigma2) * ndtri(U[mask, U_VALUE]))
        if given is not None:
            service = np.where(given.service >= 0, given.service, service)
            value = np.where(np.isnan(given.value), value, given.value)
        pay_l = (
            self.rng_pay.random((n, N_PAY_UNIFORMS)).tolist() if self.rng_pay is not None else None
        )
        after_l = (
            self.rng_after.random((n, N_AFTER_UNIFORMS)).tolist()
            if self.rng_after is not None
            else None
        )
        pick_mult = time_multiplier(U[:, U_PICK_TIME], pk.time_variability, pk.time_cv)
        pack_mult = time_multiplier(U[:, U_PACK_TIME], pa.time_variability, pa.time_cv)
        total = int(n_lines.sum())
        L = self.rng_lines.random((total, 3))
        if given is None:
            skus = np.searchsorted(cat.cum_popularity, L[:, 0], side="right")
            units = _pmf_index(L[:, 1], d.units_per_line_pmf) + 1
        else:
            skus, units = given.skus, given.units
        slots = cat.slot[skus]
        vol = cat.volume_l[skus] * units
        wt = cat.weight_kg[skus] * units
        frag = cat.fragility[skus]
        ends = np.cumsum(n_lines)
        starts = ends - n_lines
        o_vol = np.add.reduceat(vol, starts)
        o_wt = np.add.reduceat(wt, starts)
        o_units = np.add.reduceat(units, starts)
        o_frag = np.maximum.reduceat(frag, starts)
        o_fragile = np.maximum.reduceat(cat.fragile[skus].astype(np.int8), starts)
        slots_l, units_l, err_l = slots.tolist(), units.tolist(), L[:, 2].tolist()
        times_l = times.tolist()
        # plain lists: indexing them is several times cheaper than numpy scalars
        starts_l, ends_l = starts.tolist(), ends.tolist()
        service_l, channel_l = service.tolist(), channel.tolist()
        units_o, value_l = o_units.tolist(), value.tolist()
        vol_l, wt_l, frag_l = o_vol.tolist(), o_wt.tolist(), o_frag.tolist()
        fragile_l = o_fragile.astype(bool).tolist()
        pick_l, pack_l = pick_mult.tolist(), pack_mult.tolist()
        rest_l = U[:, U_VERIFY:U_RESERVED].tolist()
        for i in range(n):
            o = Order()
            o.id = self.next_id
            self.next_id += 1
            a, b = starts_l[i], ends_l[i]
            o.placed_at = times_l[i]
            s = service_l[i]
            o.service = s
            o.priority = priority[s]
            o.channel = channel_l[i]
            o.n_lines = b - a
            o.n_units = units_o[i]
            o.value = value_l[i]
            o.slots = slots_l[a:b]
            o.units = units_l[a:b]
            o.err_u = err_l[a:b]
            o.volume_l = vol_l[i]
            o.weight_kg = wt_l[i]
            o.fragility = frag_l[i]
            o.fragile = fragile_l[i]
            o.u = (pick_l[i], pack_l[i], *rest_l[i])
            o.promised_at = self.promises[s](o.placed_at)
            if pay_l is not None:
                o.pay_u = pay_l[i]
            if after_l is not None:
                o.after_u = after_l[i]
            yield o
