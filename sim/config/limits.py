"""The limits of a scenario: numeric ranges, interval minimums, text lengths, dates, nesting.

Every number of a scenario is finite (``Section`` refuses ``inf`` and ``nan``) and lies in a
documented range; the constrained types here carry those ranges so ``omsim schema`` shows
them. Why the bounds: a run's work grows with its days and its orders, and a periodic timer
(stock sync, re-keying, waves) with one over its interval, so bounding them bounds the event
count (the pre-run estimate, :mod:`sim.run_estimate`, checks the product). The upper bounds
of the open-ended quantities (times, costs, distances) are far above any real shop's and only
keep arithmetic finite.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import AfterValidator, Field

#: Upper bound of every open-ended quantity (times, costs, distances, counts of days).
MAX_QUANTITY = 1e9
#: Horizon (days of arrivals) and drain (days after them) of one run.
MAX_HORIZON_DAYS = 3660.0
MAX_DRAIN_DAYS = 365.0
#: Orders a day before multipliers (the pre-run estimate bounds the product).
MAX_ORDERS_PER_DAY = 10_000_000.0
#: Weekday and dated-period demand multipliers; relative hour-of-day weights.
MAX_MULTIPLIER = 100.0
MAX_HOURLY_WEIGHT = 1e6
#: Coefficients of variation (lognormal spreads: 10 is a sigma of about 2.1).
MAX_CV = 10.0
#: Exponents (Zipf popularity, rating) and factors.
MAX_EXPONENT = 10.0
MAX_FACTOR = 1000.0
#: Whole-number settings without a tighter bound of their own.
MAX_COUNT = 1_000_000
#: Minimum intervals of the periodic timers (each firing is an event).
MIN_STOCK_SYNC_MIN = 1.0
MIN_REKEY_EVERY_H = 0.25
MIN_WAVE_INTERVAL_MIN = 5.0
MIN_BATCH_WAIT_MIN = 1.0
#: Text: names (scenario, channels, services, carriers, boxes, ...) and any other string.
MAX_NAME_CHARS = 200
MAX_TEXT_CHARS = 4096
#: Dates of a scenario (its start, holidays, dated periods, outages).
MIN_YEAR, MAX_YEAR = 1970, 2200
#: TOML nesting (tables and arrays inside each other) and the ``base`` chain of files.
MAX_TOML_DEPTH = 24
MAX_BASE_CHAIN = 32


def _sane_date(value: Any) -> Any:
    """A date or date-time whose year lies in MIN_YEAR..MAX_YEAR."""
    if isinstance(value, dt.date) and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"expected a year in {MIN_YEAR}..{MAX_YEAR}, found {value.isoformat()}")
    return value


#: A probability or share: a fraction 0..1.
Prob = Annotated[float, Field(ge=0.0, le=1.0)]
#: A positive quantity up to MAX_QUANTITY.
PosFloat = Annotated[float, Field(gt=0.0, le=MAX_QUANTITY)]
#: A non-negative quantity up to MAX_QUANTITY.
NonNeg = Annotated[float, Field(ge=0.0, le=MAX_QUANTITY)]
#: A coefficient of variation 0..MAX_CV.
CV = Annotated[float, Field(ge=0.0, le=MAX_CV)]
#: A demand multiplier 0..MAX_MULTIPLIER.
Multiplier = Annotated[float, Field(ge=0.0, le=MAX_MULTIPLIER)]
#: A relative hour-of-day weight 0..MAX_HOURLY_WEIGHT.
HourWeight = Annotated[float, Field(ge=0.0, le=MAX_HOURLY_WEIGHT)]
#: An exponent 0..MAX_EXPONENT.
Exponent = Annotated[float, Field(ge=0.0, le=MAX_EXPONENT)]
#: A whole number 1..MAX_COUNT.
PosInt = Annotated[int, Field(ge=1, le=MAX_COUNT)]
#: A whole number 0..MAX_COUNT.
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
#: A name shown in tables, charts and reports (escaped wherever rendered; no control
#: characters such as line breaks).
Name = Annotated[str, Field(max_length=MAX_NAME_CHARS, pattern=r"^[^\x00-\x1f\x7f]*$")]
#: A date with a year in MIN_YEAR..MAX_YEAR.
SaneDate = Annotated[dt.date, AfterValidator(_sane_date)]
#: A date-time with a year in MIN_YEAR..MAX_YEAR.
SaneDateTime = Annotated[dt.datetime, AfterValidator(_sane_date)]
