"""The event log: the contract between the model and everything downstream.

A run emits six tables of *facts* (never aggregates), built once at the end from typed
column buffers (``array.array``), so memory stays flat while the model runs:

``orders``  one row per order: attributes and milestone times (null when not reached).
``steps``   one row per order-step attempt: who did it, when it joined the queue, started, ended.
``events``  one row per notification or status change sent about an order (time-stamped).
``roster``  one row per on-duty interval of a worker (or machine), with its wage.
``stock``   stock per SKU at the start and at every day's end (empty unless inventory is on).
``customers`` one row per customer who ordered (empty unless customers are on).

All times are float minutes since the scenario start. Enumerations whose members depend on
the scenario (channels, services, carriers, boxes, materials, resources) are stored as
``polars.Enum`` built from the scenario; the fixed ones are below. The column names and the
fixed enums are pinned by ``tests/test_eventlog_schema.py`` and documented in the README.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence

import polars as pl

from sim.config.customers import ENCOUNTERS
from sim.config.special import SPECIAL_ACTIONS

# --- fixed enumerations -----------------------------------------------------------------

#: Order status at the end of the run. ``delivered`` is final; the others mean the order was
#: still in progress at the end of the run, at the stage named.
STATUSES: tuple[str, ...] = (
    "awaiting_picking",
    "awaiting_packing",
    "awaiting_label",
    "at_dock",
    "in_transit",
    "delivered",
    "lost",  # the sale was lost before fulfilment (see ``lost_cause``); final
    "sold_in_store",  # a point-of-sale order: paid at the counter, taken away; final
)
FINAL_STATUSES: frozenset[str] = frozenset({"delivered", "lost", "sold_in_store"})

#: Kinds of work an order goes through (one ``steps`` row per attempt).
STEPS: tuple[str, ...] = (
    "pick",
    "repick",
    "pack",
    "label",
    "notify",
    "sort",
    "consolidate",
    "rekey",  # a manual channel's order keyed into the back office (order_entry)
    "fraud_review",  # a payment held for manual fraud review (payment_review)
    "inspect",  # a returned parcel inspected at the warehouse (returns_clerks)
    "refund",  # a refund processed by a support agent (support)
)

#: Why a sale was lost (``none``: it was not). ``stock_out``: the channel showed an item out
#: of stock, so the shopper did not order; ``oversold``: the back office found the stock gone
#: and cancelled; ``payment_declined``: every payment attempt failed; ``fraud_rejected``:
#: rejected at fraud review; ``missed``: a manual channel's order never keyed.
LOST_CAUSES: tuple[str, ...] = (
    "none",
    "stock_out",
    "oversold",
    "payment_declined",
    "fraud_rejected",
    "missed",
)

#: How a step attempt ended.
OUTCOMES: tuple[str, ...] = (
    "ok",  # done
    "error_caught",  # pack verification found a wrong line; the line goes back for a re-pick
    "jam",  # label printer jammed; cleared within the step, label printed
    "in_progress",  # started, not finished when the run ended (t_end null)
    "waiting",  # queued, not started when the run ended (t_start and t_end null)
)

#: Notifications and status changes recorded in ``events``.
EVENTS: tuple[str, ...] = (
    "marked_shipped",  # order marked as shipped in its sales channel
    "shipping_confirmation_sent",  # shipping-confirmation e-mail
    "tracking_sent",  # tracking e-mail
    "cancellation_sent",  # the customer is told the order is cancelled (oversold, payment)
    "backorder_notice_sent",  # the customer is told part of the order is on backorder
    "sale_lost",  # the sale was lost (why: ``orders.lost_cause``)
    "order_confirmation_sent",  # e-mail when the order is placed
    "sms_out_for_delivery",  # SMS on the morning of the delivery day
    "sms_delivered",  # SMS when delivered
    "follow_up_sent",  # follow-up e-mail some days after delivery
    "review_request_sent",  # review request some days after delivery
    "chargeback_fraud",  # the cardholder of a stolen card disputed the order (returns enabled)
    "chargeback_not_received",  # the customer disputed the order as not received
)

#: Why a customer returns an order, in the order a return is attributed when several apply.
RETURN_REASONS: tuple[str, ...] = (
    "wrong_item",  # an uncaught pick error reached the customer
    "damaged",  # damaged in transit
    "late",  # delivered after the promised day
    "not_as_described",
    "changed_mind",
    "size_fit",  # the right item, the wrong size or fit
    "defective",  # arrived intact but does not work
)
#: What became of a return request: support solved the problem (``prevented``), it came
#: outside the return window and the policy refused it (``refused``), or it came back.
RETURN_OUTCOMES: tuple[str, ...] = ("prevented", "refused", "returned")

#: Why a customer left (``none``: still active at the end): ``base`` after an order with
#: nothing wrong, else the order's first negative encounter (``sim.config.customers``).
LAPSE_CAUSES: tuple[str, ...] = ("none", "base", *ENCOUNTERS)

# --- column schemas ---------------------------------------------------------------------
# A dtype of ``None`` means "a polars.Enum of the scenario's names" (see ``EnumNames``).

ORDERS_SCHEMA: dict[str, pl.DataType | None] = {
    "order_id": pl.UInt32(),
    "customer_id": pl.UInt32(),
    "channel": None,
    "service": None,
    "is_priority": pl.Boolean(),
    "n_lines": pl.UInt16(),
    "n_units": pl.UInt32(),
    "value": pl.Float32(),
    "placed_at": pl.Float64(),
    "paid_at": pl.Float64(),
    "released_at": pl.Float64(),
    "promised_at": pl.Float32(),  # deadlines are whole minutes: exact in Float32
    "ship_by_at": pl.Float32(),
    "picked_at": pl.Float64(),
    "packed_at": pl.Float64(),
    "labelled_at": pl.Float64(),
    "shipped_at": pl.Float64(),
    "delivered_at": pl.Float64(),
    "status": pl.Enum(STATUSES),
    "pick_errors": pl.UInt8(),
    "pick_errors_caught": pl.UInt8(),
    "pick_errors_shipped": pl.UInt8(),
    "travel_m": pl.Float32(),
    "carrier": None,
    "box": None,
    "n_parcels": pl.UInt16(),
    "material": None,
    "billable_weight_kg": pl.Float32(),
    "damaged": pl.Boolean(),
    "packaging_cost": pl.Float32(),
    "shipping_cost": pl.Float32(),
    "special_action": pl.Enum(SPECIAL_ACTIONS),
    "special_cost": pl.Float32(),
    "received_at": pl.Float64(),
    "lost_cause": pl.Enum(LOST_CAUSES),
    "duplicate_of": pl.UInt32(),
    "payment_attempts": pl.UInt8(),
    "oversold": pl.Boolean(),
    "backordered": pl.Boolean(),
    "in_store": pl.Boolean(),
}

STEPS_SCHEMA: dict[str, pl.DataType | None] = {
    "order_id": pl.UInt32(),
    "step": pl.Enum(STEPS),
    "attempt": pl.UInt8(),
    "resource": None,
    "worker": pl.UInt16(),
    "batch_id": pl.UInt32(),
    "n_lines": pl.UInt16(),
    "t_ready": pl.Float64(),
    "t_start": pl.Float64(),
    "t_end": pl.Float64(),
    "outcome": pl.Enum(OUTCOMES),
}

EVENTS_SCHEMA: dict[str, pl.DataType | None] = {
    "order_id": pl.UInt32(),
    "event": pl.Enum(EVENTS),
    "t": pl.Float64(),
}

#: Stock per SKU at the start and at the end of every simulated day (inventory enabled).
#: ``received`` and ``shipped`` are cumulative since the start; ``held`` is allocated to orders
#: not yet shipped; ``on_hand`` is free stock; ``returned`` came back and was restocked
#: (cumulative). Per SKU and row: start on_hand + received + returned = on_hand + held +
#: shipped.
STOCK_SCHEMA: dict[str, pl.DataType | None] = {
    "t": pl.Float64(),
    "sku": pl.UInt32(),
    "on_hand": pl.Int64(),
    "held": pl.Int64(),
    "received": pl.Int64(),
    "shipped": pl.Int64(),
    "on_order": pl.Int64(),
    "backordered": pl.Int64(),
    "returned": pl.Int64(),
}

#: One row per customer who ordered in the run (customers enabled): ``initial`` customers
#: were there at the start; ``joined_at`` is a new customer's first order; ``rate_per_year``
#: its order rate while active; ``revenue`` of its fulfilled orders; ``lapsed_at`` when it
#: left (null: active at the end) and why.
CUSTOMERS_SCHEMA: dict[str, pl.DataType | None] = {
    "customer_id": pl.UInt32(),
    "initial": pl.Boolean(),
    "joined_at": pl.Float64(),
    "rate_per_year": pl.Float64(),
    "n_orders": pl.UInt32(),
    "revenue": pl.Float64(),
    "lapsed_at": pl.Float64(),
    "lapse_cause": pl.Enum(LAPSE_CAUSES),
}

#: One row per return request (returns enabled). Times are null when not reached by the end.
#: ``late_request``: after the return window; ``refund`` is the order value refunded;
#: ``return_shipping_cost`` is paid by the merchant when its policy says so; a refund later
#: than the policy's deadline may bring a ``chargeback`` with its fee.
RETURNS_SCHEMA: dict[str, pl.DataType | None] = {
    "order_id": pl.UInt32(),
    "customer_id": pl.UInt32(),
    "reason": pl.Enum(RETURN_REASONS),
    "requested_at": pl.Float64(),
    "late_request": pl.Boolean(),
    "outcome": pl.Enum(RETURN_OUTCOMES),
    "arrived_at": pl.Float64(),
    "inspected_at": pl.Float64(),
    "restocked": pl.Boolean(),
    "refunded_at": pl.Float64(),
    "refund": pl.Float32(),
    "return_shipping_cost": pl.Float32(),
    "chargeback": pl.Boolean(),
    "chargeback_fee": pl.Float32(),
}

#: One row per review written (reviews enabled): its time and stars (1-5), whether the
#: customer was asked (a review request), had replied to support first, and whether the
#: order had a negative encounter.
REVIEWS_SCHEMA: dict[str, pl.DataType | None] = {
    "order_id": pl.UInt32(),
    "customer_id": pl.UInt32(),
    "t": pl.Float64(),
    "stars": pl.UInt8(),
    "requested": pl.Boolean(),
    "replied_first": pl.Boolean(),
    "negative_experience": pl.Boolean(),
}

ROSTER_SCHEMA: dict[str, pl.DataType | None] = {
    "resource": None,
    "worker": pl.UInt16(),
    "t_on": pl.Float64(),
    "t_off": pl.Float64(),
    "wage_per_hour": pl.Float32(),
}

#: Which scenario name list each enum column takes its members from.
ENUM_SOURCES: dict[str, str] = {
    "channel": "channels",
    "service": "services",
    "carrier": "carriers",
    "box": "boxes",
    "material": "materials",
    "resource": "resources",
}

# array.array type codes for the buffers; enums, booleans and small ints are stored as codes.
_TYPECODE: dict[type, str] = {
    pl.UInt32: "I",
    pl.UInt16: "H",
    pl.UInt8: "B",
    pl.Boolean: "B",
    pl.Float32: "f",
    pl.Float64: "d",
    pl.Int64: "q",
    pl.Enum: "B",
}

#: Code stored in a nullable integer column (batch_id, worker) or float column meaning "null".
NULL_INT = 0xFFFFFFFF
#: Code of a null in a scenario-enum column (carrier, box, material before packing/shipping).
NULL_CODE = 0xFF
NULL_SMALL = 0xFFFF
NAN = float("nan")


def _typecode(dtype: pl.DataType | None) -> str:
    if dtype is None:
        return "B"
    return _TYPECODE[type(dtype)]


#: Rows held as tuples before they are moved into the typed columns in one go.
FLUSH_ROWS = 4096


class Table:
    """Typed column buffers for one table, frozen into a DataFrame at the end.

    ``add(row)`` appends a tuple to a small pending list (one C-level append on the hot
    path); every ``FLUSH_ROWS`` rows the pending tuples are transposed into the typed
    ``array.array`` columns, so memory stays at a few bytes per value.
    """

    __slots__ = ("schema", "columns", "names", "pending")

    def __init__(self, schema: dict[str, pl.DataType | None]) -> None:
        self.schema = schema
        self.names = tuple(schema)
        self.columns = tuple(array(_typecode(dt)) for dt in schema.values())
        self.pending: list[tuple] = []

    def __len__(self) -> int:
        return len(self.columns[0]) + len(self.pending)

    def add(self, row: tuple) -> None:
        """Append one row (values in schema order; enums as integer codes)."""
        pending = self.pending
        pending.append(row)
        if len(pending) >= FLUSH_ROWS:
            self.flush()

    def add_rows(self, rows: Iterable[tuple]) -> None:
        """Append several rows."""
        pending = self.pending
        pending.extend(rows)
        if len(pending) >= FLUSH_ROWS:
            self.flush()

    def append(self, *values: float) -> None:
        """Append one row given as arguments."""
        self.add(values)

    def flush(self) -> None:
        """Move pending rows into the typed columns."""
        if not self.pending:
            return
        for col, values in zip(self.columns, zip(*self.pending, strict=True), strict=True):
            col.extend(values)
        self.pending.clear()

    def nbytes(self) -> int:
        """Bytes held by the column buffers."""
        self.flush()
        return sum(c.itemsize * len(c) for c in self.columns)

    def to_frame(self, enum_names: dict[str, Sequence[str]]) -> pl.DataFrame:
        """Build the polars DataFrame: codes become Enums, NaN and null markers become null."""
        self.flush()
        series = []
        for name, dtype, col in zip(self.names, self.schema.values(), self.columns, strict=True):
            if dtype is None:
                names = list(enum_names[ENUM_SOURCES[name]])
                codes = pl.Series(name, col, dtype=pl.UInt8)
                codes = pl.select(
                    pl.when(codes == NULL_CODE).then(None).otherwise(codes)
                ).to_series()
                s = pl.Series(name, names, dtype=pl.Enum(names)).gather(codes)
            elif isinstance(dtype, pl.Enum):
                cats = dtype.categories.to_list()
                s = pl.Series(name, cats, dtype=dtype).gather(pl.Series(col, dtype=pl.UInt8))
            elif isinstance(dtype, pl.Boolean):
                s = pl.Series(name, col, dtype=pl.UInt8).cast(pl.Boolean)
            elif isinstance(dtype, pl.Float32 | pl.Float64):
                s = pl.Series(name, col, dtype=dtype)
                s = s.fill_nan(None)
            else:
                s = pl.Series(name, col, dtype=dtype)
                marker = NULL_INT if isinstance(dtype, pl.UInt32) else NULL_SMALL
                if isinstance(dtype, pl.UInt32 | pl.UInt16):
                    s = pl.when(s == marker).then(None).otherwise(s).alias(name)
                    s = pl.select(s).to_series().cast(dtype)
            series.append(s.alias(name))
        return pl.DataFrame(series)


def empty_frame(schema: dict[str, pl.DataType | None], enum_names: dict[str, Sequence[str]]):
    """An empty table with the right columns and dtypes."""
    return Table(schema).to_frame(enum_names)


#: orders columns added after the table is built: a replayed order's id in its file (null for
#: synthetic orders and for duplicates keyed by mistake)
ORDERS_EXTRA: dict[str, pl.DataType] = {"source_order_id": pl.String()}


def with_source_ids(orders: pl.DataFrame, source_ids: Sequence[str] | None) -> pl.DataFrame:
    """``orders`` with ``source_order_id``: ``source_ids[order_id]`` where there is one."""
    if not source_ids:
        return orders.with_columns(pl.lit(None, pl.String).alias("source_order_id"))
    ids = pl.Series("source_order_id", list(source_ids), dtype=pl.String)
    k = orders["order_id"].cast(pl.Int64)
    inside = (k < len(ids)).fill_null(False)
    got = ids.gather(k.clip(0, len(ids) - 1).fill_null(0))
    return orders.with_columns(
        pl.select(pl.when(inside).then(got).otherwise(None)).to_series().alias("source_order_id")
    )


def column_names() -> dict[str, tuple[str, ...]]:
    """The column names of every table, in order (documented in the README)."""
    return {
        "orders": (*ORDERS_SCHEMA, *ORDERS_EXTRA),
        "steps": tuple(STEPS_SCHEMA),
        "events": tuple(EVENTS_SCHEMA),
        "roster": tuple(ROSTER_SCHEMA),
        "stock": tuple(STOCK_SCHEMA),
        "customers": tuple(CUSTOMERS_SCHEMA),
        "returns": tuple(RETURNS_SCHEMA),
        "reviews": tuple(REVIEWS_SCHEMA),
    }
