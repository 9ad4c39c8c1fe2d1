"""Self-contained HTML report of a streamlens run: the findings in words (findings.py) in the
order they appeared, one SVG plot per consumer group with the sidecar's expected band
(yhat_lower..yhat_upper, never below 0: lag is never negative), the expectation (yhat), the actual
value, anomalies and forecast points, the injected faults from loadgen's ground truth as shaded
spans, and tables. No external scripts, styles or fonts."""
import datetime
import html
import math

import stack

W, H, PAD_L, PAD_R, PAD_T, PAD_B = 900, 260, 70, 20, 20, 40


def _fmt_t(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%H:%M")


def _fmt_v(v):
    a = abs(v)
    if a >= 1e6:
        return f"{v / 1e6:.1f}M"
    if a >= 1e3:
        return f"{v / 1e3:.1f}k"
    return f"{v:.3g}"


def svg_plot(title, t0, t1, lines, band=None, spans=(), points=()):
    """lines: [(label, color, [(t, v)])]; band: (lower [(t,v)], upper [(t,v)]);
    spans: [(start, end, color, label)]; points: [(t, v, color, label)]."""
    vals = [v for _, _, pts in lines for _, v in pts] + [v for _, v, _, _ in points]
    if band:
        vals += [v for _, v in band[0]] + [v for _, v in band[1]]
    vals = [v for v in vals if math.isfinite(v)]
    lo, hi = (min(vals), max(vals)) if vals else (0.0, 1.0)
    if hi - lo < 1e-9:
        hi = lo + 1.0
    lo = min(lo, 0.0) if lo >= 0 else lo
    tmax = max([t1] + [t for t, _, _, _ in points])

    def x(t):
        return PAD_L + (t - t0) / max(tmax - t0, 1e-9) * (W - PAD_L - PAD_R)

    def y(v):
        return H - PAD_B - (v - lo) / (hi - lo) * (H - PAD_T - PAD_B)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}">',
           f'<rect x="0" y="0" width="{W}" height="{H}" fill="#fff"/>']
    for s, e, color, label in spans:
        if e < t0 or s > tmax:
            continue
        xs, xe = x(max(s, t0)), x(min(e, tmax))
        out.append(f'<rect x="{xs:.1f}" y="{PAD_T}" width="{max(xe - xs, 1):.1f}" height="{H - PAD_T - PAD_B}" '
                   f'fill="{color}" opacity="0.18"><title>{html.escape(label)}</title></rect>')
        out.append(f'<text x="{xs + 3:.1f}" y="{PAD_T + 12}" font-size="11" fill="{color}">{html.escape(label)}</text>')
    for i in range(5):
        v = lo + (hi - lo) * i / 4
        out.append(f'<line x1="{PAD_L}" x2="{W - PAD_R}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#eee"/>')
        out.append(f'<text x="{PAD_L - 6}" y="{y(v) + 4:.1f}" font-size="11" text-anchor="end">{_fmt_v(v)}</text>')
    for i in range(6):
        t = t0 + (tmax - t0) * i / 5
        out.append(f'<text x="{x(t):.1f}" y="{H - PAD_B + 16}" font-size="11" text-anchor="middle">{_fmt_t(t)}</text>')
    if band and band[0] and band[1]:
        pts = [(x(t), y(v)) for t, v in band[1]] + [(x(t), y(v)) for t, v in reversed(band[0])]
        out.append('<polygon fill="#4a90d9" opacity="0.2" points="'
                   + " ".join(f"{a:.1f},{b:.1f}" for a, b in pts) + '"><title>expected band</title></polygon>')
    for label, color, pts in lines:
        if pts:
            d = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in pts if math.isfinite(v))
            dash = ' stroke-dasharray="4 3"' if label.startswith("expected") else ""
            out.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.6"{dash} points="{d}">'
                       f'<title>{html.escape(label)}</title></polyline>')
    for t, v, color, label in points:
        out.append(f'<circle cx="{x(t):.1f}" cy="{y(v):.1f}" r="4" fill="{color}"><title>{html.escape(label)}</title></circle>')
    lx = PAD_L + 6
    for label, color, _ in lines:
        out.append(f'<text x="{lx}" y="{H - 6}" font-size="11" fill="{color}">— {html.escape(label)}</text>')
        lx += 8 * len(label) + 30
    out.append(f'<text x="{W / 2}" y="14" font-size="13" text-anchor="middle" font-weight="bold">{html.escape(title)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def findings(items, t_start):
    """items: [(time, kind, sentence)] -> a table with the minute after start of each."""
    return table(["+min", "time", "kind", "finding"],
                 [(f"{(t - t_start) / 60:.1f}", _fmt_t(t), kind, sentence) for t, kind, sentence in items])


def lag_plots(st, t0, t1, faults, anomalies, forecasts):
    """[(heading, html)]: one plot per consumer group and topic of the lag in messages, from the
    stack's Prometheus, with the sidecar's band (clipped at 0), anomalies (red), forecast points
    (green) and the faults that concern the group (shaded)."""
    def rng(expr):
        try:
            r = st.query_range(expr, t0, t1, 15)
            return [(float(t), float(v)) for t, v in r[0]["values"]] if r else []
        except Exception:
            return []

    try:
        series = st.query_range("kafka_consumergroup_lag_sum", t0, t1, 15)
    except Exception:
        series = []
    plots = []
    for s in sorted(series, key=lambda s: s["metric"].get("consumergroup", "")):
        g, tp = s["metric"].get("consumergroup", ""), s["metric"].get("topic", "")
        sel = f'consumergroup="{g}",topic="{tp}",for="consumer_lag"'
        actual = [(float(t), float(v)) for t, v in s["values"]]
        yhat = rng(f"max(streamlens_yhat{{{sel}}})")
        lower = [(t, max(0.0, v)) for t, v in rng(f"max(streamlens_yhat_lower{{{sel}}})")]
        upper = rng(f"max(streamlens_yhat_upper{{{sel}}})")
        spans = [(f["start"], f["end"], "#d9534f" if not f.get("benign") else "#f0ad4e",
                  f["kind"] + (" (benign)" if f.get("benign") else ""))
                 for f in faults if f.get("labels", {}).get("consumergroup") in (None, g)
                 and f.get("labels", {}).get("topic") in (None, tp)]
        points = []
        for (job, _), f in forecasts.items():
            if job != "consumer_lag" or f.get("labels", {}).get("consumergroup") != g:
                continue
            for h in f.get("horizons", []):
                try:
                    secs = stack.parse_duration(h["horizon"])
                except ValueError:
                    continue
                if h.get("yhat") is not None and secs <= 3600:
                    points.append((f["origin"] + secs, h["yhat"], "#5cb85c", f"forecast +{h['horizon']}"))
        for a in anomalies:
            if (a.get("for") == "consumer_lag" and a.get("labels", {}).get("consumergroup") == g
                    and a.get("labels", {}).get("topic") == tp):
                points.append((a["timestamp"], a["y"], "#d9534f", f"anomaly, score {a['score']:.2f}"))
        plots.append(svg_plot(f"lag of {g} on {tp} (messages)", t0, t1,
                              [("actual", "#222", actual), ("expected (yhat)", "#4a90d9", yhat)],
                              band=(lower, upper) if lower and upper else None, spans=spans, points=points))
    return [("Consumer lag: actual, the sidecar's expected value and band, anomalies (red), forecast (green) "
             "and the injected faults (shaded)", "\n".join(plots) or "<p><i>no data</i></p>")]


def table(headers, rows):
    h = "".join(f"<th>{html.escape(str(x))}</th>" for x in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{h}</tr>{body}</table>" if rows else "<p><i>none</i></p>"


def page(title, sections):
    css = ("body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0}"
           "td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:left}"
           "th{background:#f4f4f4}h2{margin-top:28px}")
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{css}</style></head><body><h1>{html.escape(title)}</h1>"]
    for heading, content in sections:
        parts.append(f"<h2>{html.escape(heading)}</h2>{content}")
    parts.append("</body></html>")
    return "\n".join(parts)
