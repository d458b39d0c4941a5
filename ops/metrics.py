"""What the bot counts, for Prometheus (`nahbar_` prefix; counters end in `_total`, durations
are `_seconds` histograms). One registry per process: each worker is scraped on its own.

Counters and histograms are updated where things happen; gauges about the database (outbox,
inbox) are read when /metrics is asked for (ops.http), never by a background loop. No label
ever holds a chat, a person or a text: only platforms, outcomes and job names.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)

disable_created_metrics()  # no `_created` series next to every counter
REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)  # memory, CPU, open files of this process
PlatformCollector(registry=REGISTRY)

UPDATES = Counter(
    "nahbar_updates",
    "Messages from people handled, by platform and outcome "
    "(answered, failed, duplicate: delivered again and not answered twice)",
    ["platform", "outcome"],
    registry=REGISTRY,
)
TURN_SECONDS = Histogram(
    "nahbar_turn_seconds",
    "Time to decide the answer to one message (database included)",
    ["platform"],
    registry=REGISTRY,
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
SENDS = Counter(
    "nahbar_sends",
    "Outbox messages settled by this process, by platform and outcome "
    "(sent, retried, deferred, parked, dropped)",
    ["platform", "outcome"],
    registry=REGISTRY,
)
PLANNER_RUNS = Counter(
    "nahbar_planner_runs",
    "Planner and maintenance runs of this process, by job and outcome "
    "(ok, failed, skipped: not the leader)",
    ["job", "outcome"],
    registry=REGISTRY,
)
LEADER = Gauge(
    "nahbar_leader", "1 while this process is the leader (plans, syncs Matrix)", registry=REGISTRY
)
LEADERSHIP_CHANGES = Counter(
    "nahbar_leadership_changes",
    "Times this process became leader or stopped being it",
    registry=REGISTRY,
)
OUTBOX_DEPTH = Gauge(
    "nahbar_outbox_depth",
    "Outbox messages waiting to be sent, by priority "
    "(urgent, bulk) and whether they are due already",
    ["priority", "due"],
    registry=REGISTRY,
)
OUTBOX_OLDEST_DUE_AGE = Gauge(
    "nahbar_outbox_oldest_due_age_seconds",
    "How long the longest-waiting due outbox message has been due (0: nothing due)",
    ["priority"],
    registry=REGISTRY,
)
INBOX_DEPTH = Gauge(
    "nahbar_inbox_depth", "Received messages not answered yet (all workers)", registry=REGISTRY
)
