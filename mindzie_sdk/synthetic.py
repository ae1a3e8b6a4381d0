"""A seeded generator of loan-application event logs whose ground truth is known.

The demo dataset comes from here, and so do the tests' logs: the process has a rework loop
(documents requested again after a review), a planted bottleneck (a long queue before one
activity), clerks who work at different speeds, office hours with weekend gaps, and a few
anomalous cases. Only the standard library is used, so the server can write the demo CSV
without pandas.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

COLUMNS = ("case_id", "activity", "timestamp", "resource", "amount")
OUTCOME_ACTIVITIES = ("Offer Accepted", "Offer Declined", "Reject Application")
ACTIVITIES = (
    "Submit Application",
    "Review Application",
    "Request Documents",
    "Receive Documents",
    "Credit Check",
    "Manager Approval",
    "Send Offer",
    *OUTCOME_ACTIVITIES,
)

# Mean hours of waiting before each activity at normal speed. The customer's waits (documents,
# the answer to an offer) are long too, but they are not the organisation's bottleneck.
WAIT_HOURS = {
    "Review Application": 5.0,
    "Request Documents": 2.0,
    "Receive Documents": 30.0,
    "Credit Check": 3.0,
    "Manager Approval": 4.0,
    "Send Offer": 4.0,
    "Offer Accepted": 45.0,
    "Offer Declined": 70.0,
    "Reject Application": 6.0,
}
# Who does what; the customer and the portal act at any hour, staff only in office hours.
RESOURCES = {
    "Submit Application": ("portal",),
    "Review Application": ("anna", "ben", "chloe"),
    "Request Documents": ("anna", "ben", "chloe"),
    "Receive Documents": ("customer",),
    "Credit Check": ("credit-bot",),
    "Manager Approval": ("dana", "erik"),
    "Send Offer": ("anna", "ben"),
    "Offer Accepted": ("customer",),
    "Offer Declined": ("customer",),
    "Reject Application": ("ben", "chloe"),
}
# Multiplies the waiting time before a resource's events: anna is fast, chloe slow.
SPEED = {"anna": 0.6, "ben": 1.0, "chloe": 1.8, "dana": 1.0, "erik": 1.4}
ANY_HOUR = {"portal", "customer", "credit-bot"}
OFFICE_HOURS = (8, 18)
AMOUNTS = (2_500, 5_000, 8_000, 12_000, 15_000, 25_000, 40_000)


@dataclass(frozen=True)
class LoanProcess:
    """The knobs of the generated process; the defaults make the demo log."""

    cases: int = 5000
    seed: int = 7
    start: datetime = datetime(2024, 1, 2, 8, 0, 0)
    arrival_days: float = 120.0
    bottleneck: str = "Manager Approval"
    bottleneck_hours: float = 40.0
    rework_probability: float = 0.3
    anomaly_share: float = 0.01


@dataclass
class SyntheticLog:
    """The generated events and what was planted in them."""

    process: LoanProcess
    rows: list[dict[str, Any]] = field(default_factory=list)
    rework_cases: set[str] = field(default_factory=set)
    anomalous_cases: set[str] = field(default_factory=set)

    @property
    def bottleneck(self) -> str:
        return self.process.bottleneck

    def frame(self) -> Any:
        """The events as a pandas DataFrame (pandas imported only here)."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=list(COLUMNS))


def generate_loan_log(process: LoanProcess | None = None, **changes: Any) -> SyntheticLog:
    """Events of `process.cases` loan applications, identical for identical arguments.

    `changes` override fields of `process` (e.g. `cases=1000`). Timestamps are naive
    ISO 8601 strings, one row per event, sorted by case and time.
    """
    base = process or LoanProcess()
    spec = LoanProcess(**{**base.__dict__, **changes})
    if spec.bottleneck not in WAIT_HOURS:
        raise ValueError(f"bottleneck must be one of {sorted(WAIT_HOURS)}, not {spec.bottleneck!r}")
    rng = random.Random(spec.seed)
    log = SyntheticLog(spec)
    for number in range(1, spec.cases + 1):
        case_id = f"LA-{number:05d}"
        amount = rng.choice(AMOUNTS)
        anomaly = rng.random() < spec.anomaly_share
        trace, reworked = _trace(rng, amount, spec.rework_probability, anomaly)
        if reworked:
            log.rework_cases.add(case_id)
        if anomaly:
            log.anomalous_cases.add(case_id)
        moment = spec.start + timedelta(days=rng.uniform(0, spec.arrival_days))
        stuck_at = rng.randrange(1, len(trace)) if anomaly else -1
        for index, activity in enumerate(trace):
            resource = rng.choice(RESOURCES[activity])
            if index:
                hours = _wait_hours(activity, spec) * SPEED.get(resource, 1.0)
                hours = rng.expovariate(1 / hours)
                if index == stuck_at:
                    hours += rng.uniform(20, 40) * 24  # a case forgotten for weeks
                moment += timedelta(hours=hours)
                if resource not in ANY_HOUR:
                    moment = _office_time(moment, rng)
            log.rows.append(
                {
                    "case_id": case_id,
                    "activity": activity,
                    "timestamp": moment.strftime("%Y-%m-%dT%H:%M:%S"),
                    "resource": resource,
                    "amount": amount,
                }
            )
    return log


def _wait_hours(activity: str, spec: LoanProcess) -> float:
    return spec.bottleneck_hours if activity == spec.bottleneck else WAIT_HOURS[activity]


def _trace(rng: random.Random, amount: int, rework: float, anomaly: bool) -> tuple[list[str], bool]:
    """The activities of one case, and whether it went through the document loop (rework).

    After a review, documents are missing with probability `rework`; they are requested,
    received and the application is reviewed again, up to three times.
    """
    trace = ["Submit Application", "Review Application"]
    loops = 0
    while loops < 3 and rng.random() < (rework if loops == 0 else rework / 2):
        trace += ["Request Documents", "Receive Documents", "Review Application"]
        loops += 1
    # an anomalous case may skip the credit check: an offer nobody checked
    if not (anomaly and rng.random() < 0.5):
        trace.append("Credit Check")
    if rng.random() < 0.12:
        trace.append("Reject Application")
        return trace, loops > 0
    if amount > 20_000 or rng.random() < 0.3:
        trace.append("Manager Approval")
    trace.append("Send Offer")
    trace.append("Offer Accepted" if rng.random() < 0.75 else "Offer Declined")
    return trace, loops > 0


def _office_time(moment: datetime, rng: random.Random) -> datetime:
    """The first office-hours moment at or after `moment`: staff work weekdays, 8:00 to 18:00."""
    opens, closes = OFFICE_HOURS
    if moment.hour >= closes:
        moment = (moment + timedelta(days=1)).replace(hour=opens, minute=0, second=0)
    elif moment.hour < opens:
        moment = moment.replace(hour=opens, minute=0, second=0)
    while moment.weekday() >= 5:
        moment = (moment + timedelta(days=1)).replace(hour=opens, minute=0, second=0)
    if moment.hour == opens and moment.minute == 0 and moment.second == 0:
        moment += timedelta(minutes=rng.uniform(0, 90))  # not everyone starts on the stroke of eight
    return moment
