"""The sidecar's findings in words: one sentence per anomaly, root cause, outlier, forecast and
recommendation, with its numbers, from the JSON of streamlens-sidecar's API (/api/v1/anomalies,
/outliers, /forecasts, /recommendations). Used by the demo (scripts/demo.py), its HTML report
and the end-to-end test, which checks the sentences on real output.

  anomaly:  "loadgen-group-0 on loadgen-topic-0: lag 20,625 vs expected 329 (band 22-636),
             score 3.2, first cause: request_handler_idle on broker 3"
  forecast: "loadgen-group-4 on loadgen-topic-4: lag 95 s, the 180 s SLA will be breached in
             12 min (p=0.80)"
  rebalance: "rebalance: busiest broker 1.00 -> 0.87 of peak by moving 5 leaders"

Values of never-negative quantities (lag, rates, ratios) are shown with their expected bands
clipped at 0. Pure functions.
"""
import math
import re

# Built-in jobs (docs/sidecar-config.md): what the value is, its unit, whether it is a 0..1 ratio.
JOBS = {
    "consumer_lag": ("lag", "", False),
    "consumer_lag_seconds": ("lag", " s", False),
    "broker_bytes_in": ("bytes in", " B/s", False),
    "broker_bytes_out": ("bytes out", " B/s", False),
    "request_handler_idle": ("request handler idle", "", True),
    "under_replicated": ("under-replicated partitions", "", False),
    "broker_cpu": ("CPU", "", True),
    "kafka_cluster": ("CPU not explained by load", "", True),
    "broker_disk_usage": ("log directory fill", "", True),
}
PEERS = {"broker_traffic_peers": "traffic (bytes in/out, messages in)",
         "broker_state_peers": "request handlers and partitions (handler idle, partition and leader counts)"}
TARGET_LABELS = ("job", "instance", "__name__", "metric")


def num(v, ratio=False):
    """20625 -> "20,625", 3.21 -> "3.2", 0.0512 -> "0.051"; ratios as percentages."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "?"
    if ratio:
        return f"{100 * v:.0f}%" if abs(v) >= 0.1 else f"{100 * v:.1f}%"
    a = abs(v)
    if a >= 100:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}".rstrip("0").rstrip(".")
    return f"{v:.2g}" if a < 1 else f"{v:.1f}".rstrip("0").rstrip(".")


def where(labels):
    """The subject of a series: "g on t", "broker 3", "broker 3, topic t"."""
    lab = {k: v for k, v in labels.items() if k not in TARGET_LABELS}
    if "consumergroup" in lab:
        return f"{lab['consumergroup']} on {lab['topic']}" if lab.get("topic") else lab["consumergroup"]
    parts = []
    if "broker" in lab:
        parts.append(f"broker {lab['broker']}")
    if lab.get("topic"):
        parts.append(f"topic {lab['topic']}")
    rest = [f"{k} {v}" for k, v in sorted(lab.items()) if k not in ("broker", "topic") and v]
    return ", ".join(parts + rest) or "the cluster"


def cause(candidate):
    """A root-cause candidate name ("request_handler_idle{broker="3",job=...}") in words:
    "request_handler_idle on broker 3", further labels in parentheses."""
    m = re.fullmatch(r"([^{]+)(?:\{(.*)\})?", candidate or "")
    if not m:
        return candidate or "?"
    labels = {k: v for k, v in re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or "")
              if k not in TARGET_LABELS}
    main = {k: v for k, v in labels.items() if k in ("broker", "consumergroup", "topic")}
    extra = [f"{k} {v}" for k, v in sorted(labels.items()) if k not in main and v]
    s = m.group(1) + (f" on {where(main)}" if main else "")
    return s + (f" ({', '.join(extra)})" if extra else "")


def anomaly(a):
    """One anomaly of /api/v1/anomalies, with its first-ranked cause when it has one."""
    what, unit, ratio = JOBS.get(a.get("for"), (a.get("for", "value"), "", False))
    lo = max(0.0, a.get("yhat_lower", 0.0))  # every built-in job's value is never negative
    s = (f"{where(a.get('labels', {}))}: {what} {num(a.get('y'), ratio)}{unit} vs expected "
         f"{num(a.get('yhat'), ratio)}{unit} (band {num(lo, ratio)}-{num(a.get('yhat_upper'), ratio)}), "
         f"score {num(a.get('score'))}")
    causes = (a.get("root_cause") or {}).get("causes") or []
    if causes:
        s += f", first cause: {cause(causes[0].get('candidate'))}"
    return s


def root_cause(a):
    """The ranking attached to an anomaly, in words (None without one)."""
    causes = (a.get("root_cause") or {}).get("causes") or []
    if not causes:
        return None
    first = causes[0]
    s = (f"{where(a.get('labels', {}))}: first cause {cause(first.get('candidate'))}, "
         f"score {num(first.get('score'))} ({first.get('layer', '?')} layer)")
    if len(causes) > 1:
        s += f", then {cause(causes[1].get('candidate'))} ({num(causes[1].get('score'))})"
    return s


def outlier(o, value=None, median=None):
    """One member of /api/v1/outliers; `value` and `median` (optional) are the member's and its
    peers' median of the metric that shows it, as (text) already formatted."""
    job = o.get("for", "")
    s = f"{where(o.get('labels', {}))} stands out among its peers on {PEERS.get(job, job)}, score {num(o.get('score'))}"
    if value is not None and median is not None:
        s += f" ({value} vs a peer median of {median})"
    return s


def forecasts(f, current=None):
    """[(kind, threshold, sentence)] for one item of /api/v1/forecasts: kind "breach" (the latest point is
    beyond a threshold) or "forecast" (a breach within the hour is likely: time to threshold
    under an hour and breach probability within 1h >= 0.5), nothing for the other thresholds.
    `current`: the series' latest value (the forecast document does not carry it), if known."""
    what, unit, ratio = JOBS.get(f.get("for"), (f.get("for", "value"), "", False))
    lag = str(f.get("for", "")).startswith("consumer_lag")
    head = f"{where(f.get('labels', {}))}: {what}"
    if current is not None:
        head += f" {num(current, ratio)}{unit},"
    out = []
    for th in f.get("thresholds", []):
        limit = f"{num(th.get('value'), ratio)}{unit}"
        if th.get("breached"):
            out.append(("breach", th.get("threshold"), f"{head} beyond {'the ' + limit + ' SLA' if lag else limit} (breaching now)"))
            continue
        ttt = th.get("time_to_threshold_seconds")
        p = (th.get("breach_probability") or {}).get("1h")
        if th.get("crosses") and ttt is not None and ttt <= 3600 and p is not None and p >= 0.5:
            what_happens = f"SLA {limit} will be breached" if lag else f"{limit} will be reached"
            out.append(("forecast", th.get("threshold"), f"{head} {what_happens} in {minutes(ttt)} (p={p:.2f})"))
    return out


def minutes(seconds):
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"


def plural(n, noun):
    """3, "leader" -> "3 leaders"; 1 -> "1 leader"; 0 -> ""."""
    return f"{n} {noun}{'' if n == 1 else 's'}" if n else ""


def alert(a):
    """A delivered Alertmanager alert: its summary, and the series it is about when the summary
    does not name it ("(broker 1, topic t)")."""
    summary = a.get("annotations", {}).get("summary", "")
    lab = {k: v for k, v in a.get("labels", {}).items() if k in ("consumergroup", "topic", "broker")}
    subject = where(lab) if lab else ""
    missing = [v for v in lab.values() if v not in summary]
    return f"{summary} ({subject})" if subject and missing else summary


def recommendation(item):
    """One item of /api/v1/recommendations in words (None for kinds without words)."""
    kind = item.get("kind")
    if item.get("status") == "insufficient_data":
        return f"{kind}: no plan ({item.get('reason', 'insufficient data')})"
    unit = " (CPU model)" if "cpu" in str(item.get("load_model", "")) else " of peak"
    if kind == "rebalance":
        moves = item.get("moves") or []
        leaders = sum(1 for m in moves if m.get("kind") == "leadership")
        replicas = len(moves) - leaders
        how = " and ".join(x for x in (plural(leaders, "leader"), plural(replicas, "replica")) if x) or "no moves"
        return (f"rebalance: busiest broker {item.get('peak_before', 0):.2f} -> {item.get('peak_after', 0):.2f}"
                f"{unit} by moving {how}")
    if kind == "add_broker":
        return (f"add broker {item.get('new_broker')}: busiest broker {item.get('peak_before', 0):.2f} -> "
                f"{item.get('peak_after', 0):.2f}{unit}, the new broker takes {item.get('new_broker_load', 0):.2f}")
    if kind == "partitions":
        subject = f"{item.get('consumergroup')} on {item.get('topic')}"
        if item.get("recommended_consumers") is None:
            return f"partitions: {subject}: no recommendation yet ({item.get('reason') or item.get('capacity_reason')})"
        return (f"partitions: {subject} needs {num(item.get('recommended_consumers'))} consumers (has "
                f"{num(item.get('current_consumers'))}) and {num(item.get('recommended_partitions'))} partitions "
                f"(has {num(item.get('current_partitions'))}) to keep lag under {num(item.get('lag_sla_seconds'))} s "
                f"at {num(item.get('required_rate'))} msg/s")
    return None
