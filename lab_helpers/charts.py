"""The workshop's charts, drawn with matplotlib from pandas tables; each returns its Figure.

Figures are small (72 dpi, a few inches) so that a notebook's saved outputs stay light.
"""
from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure
from matplotlib.patches import Patch

DPI = 72
STATUS_COLOURS = {200: "#2E7D32", 400: "#F9A825", 409: "#FB8C00", 429: "#8E24AA", 500: "#C62828",
                  502: "#C62828", 503: "#C62828", 504: "#C62828", 0: "#424242"}
PERCENTILES = {"p50": 0.5, "p90": 0.9, "p99": 0.99}
PERCENTILE_COLOURS = {"p50": "#1565C0", "p90": "#FB8C00", "p99": "#C62828"}


def _done(figure: Figure) -> Figure:
    figure.tight_layout()
    plt.close(figure)  # returned for display; not left open in pyplot's registry
    return figure


def load_test_report(requests_df: pd.DataFrame, *, title: str = "") -> Figure:
    """Three panels of one run: throughput per second, latency percentiles per second, answers by status.

    >>> lab.load_test_report(requests_df, title="open loop, 20 orders/s")
    """
    figure, (throughput, latency, statuses) = plt.subplots(1, 3, figsize=(12, 3.2), dpi=DPI,
                                                           gridspec_kw={"width_ratios": [2, 2, 1]})
    second = requests_df["done_s"].astype(int)
    counts = requests_df.groupby([second, "status"]).size().unstack(fill_value=0)
    counts = counts.reindex(range(int(second.max()) + 1), fill_value=0)
    bottom = pd.Series(0, index=counts.index)
    for status in counts.columns:
        throughput.bar(counts.index + 0.5, counts[status], width=0.9, bottom=bottom,
                       color=STATUS_COLOURS.get(status, "#757575"), label=str(status))
        bottom += counts[status]
    offered = requests_df.attrs.get("offered_rate")
    if offered:
        throughput.axhline(offered, color="#424242", linestyle="--", lw=1, label=f"offered {offered:g}/s")
    throughput.set(xlabel="seconds since start", ylabel="answers per second", title="throughput")
    throughput.legend(fontsize=7, loc="lower right")

    by_second = requests_df.groupby(requests_df["scheduled_s"].astype(int))["response_ms"]
    for name, q in PERCENTILES.items():
        series = by_second.quantile(q)
        latency.plot(series.index + 0.5, series.values, marker=".", color=PERCENTILE_COLOURS[name], label=name)
    latency.set(xlabel="seconds since start (by send time)", ylabel="response time (ms)",
                title="latency percentiles, per second")
    latency.set_ylim(bottom=0)
    latency.legend(fontsize=7)

    totals = requests_df["status"].value_counts().sort_index()
    statuses.bar([str(s) for s in totals.index], totals.values,
                 color=[STATUS_COLOURS.get(s, "#757575") for s in totals.index])
    statuses.set(xlabel="HTTP status", ylabel="requests", title="answers by status")
    for x, value in enumerate(totals.values):
        statuses.text(x, value, str(value), ha="center", va="bottom", fontsize=8)
    if title:
        figure.suptitle(title, fontsize=11)
    return _done(figure)


def knee_chart(steps: pd.DataFrame) -> Figure:
    """Latency and throughput against offered load, from ``lab.step_load``: where the knee is.

    >>> lab.knee_chart(steps)
    """
    figure, (latency, throughput) = plt.subplots(1, 2, figsize=(10, 3.2), dpi=DPI)
    for name in PERCENTILES:
        latency.plot(steps["offered_per_s"], steps[f"{name}_ms"], marker="o", color=PERCENTILE_COLOURS[name],
                     label=name)
    latency.set(xlabel="offered load (orders/s)", ylabel="response time (ms)", title="latency against load")
    latency.set_yscale("log")
    latency.legend(fontsize=8)
    top = max(steps["offered_per_s"].max(), steps["throughput_per_s"].max()) * 1.1
    throughput.plot([0, top], [0, top], color="#9E9E9E", linestyle=":", lw=1, label="throughput = offered")
    throughput.plot(steps["offered_per_s"], steps["throughput_per_s"], marker="o", color="#2E7D32",
                    label="achieved")
    throughput.set(xlabel="offered load (orders/s)", ylabel="accepted orders/s", title="throughput against load",
                   xlim=(0, top), ylim=(0, top))
    throughput.legend(fontsize=8)
    return _done(figure)


def open_vs_closed(open_df: pd.DataFrame, closed_df: pd.DataFrame) -> Figure:
    """Response times of an open-loop and a closed-loop run side by side (distribution, log scale)."""
    figure, axes = plt.subplots(figsize=(6.5, 3), dpi=DPI)
    axes.boxplot([open_df["response_ms"], open_df["service_ms"], closed_df["response_ms"]],
                 whis=(1, 99), showfliers=False)
    axes.set_xticks([1, 2, 3], ["open loop:\nfrom schedule", "open loop:\nfrom actual send",
                                "closed loop"])
    axes.set(ylabel="ms (whiskers: p1–p99)", title="the same system, measured three ways")
    axes.set_yscale("log")
    return _done(figure)


OUTCOME_COLOURS = {"succeeded": "#66BB6A", "caught": "#FFA726", "failed": "#EF5350", "running": "#42A5F5",
                   "timed out": "#EF5350"}


def execution_timeline(spans: pd.DataFrame, *, title: str = "") -> Figure:
    """One execution as a timeline: a bar per state entered (colour: its outcome); inside Task
    states each attempt is a darker segment and each wait before a retry is hatched.

    >>> lab.execution_timeline(lab.state_spans(lab.history_events(arn)), title="order-42")
    """
    spans = spans.sort_values("start_ms", kind="stable").reset_index(drop=True)
    figure, axes = plt.subplots(figsize=(10, 0.32 * len(spans) + 1.3), dpi=DPI)
    visible = spans["end_ms"].max() / 250 + 0.5
    for row, span in spans.iterrows():
        y = len(spans) - 1 - row
        width = max(span["duration_ms"], 0.5)
        axes.barh(y, width, left=span["start_ms"], height=0.7, color=OUTCOME_COLOURS.get(span["outcome"], "#BDBDBD"),
                  alpha=0.45, edgecolor="none")
        attempts = span["attempt_spans"]
        for start, end, result in attempts:  # at least a sliver wide, so an instant failure shows
            axes.barh(y, max(end - start, visible), left=start, height=0.38,
                      color=OUTCOME_COLOURS.get(result, "#757575"), edgecolor="none")
        for (_, previous_end, _), (next_start, _, _) in zip(attempts, attempts[1:], strict=False):
            axes.barh(y, next_start - previous_end, left=previous_end, height=0.38, color="none",
                      edgecolor="#616161", hatch="///", lw=0)
        note = f"  {span['duration_ms']:.0f} ms"
        if span["attempts"] > 1:
            note += f", {span['attempts']} attempts, {span['retry_wait_ms'] / 1000:.1f} s waiting to retry"
        axes.text(span["start_ms"] + width, y, note, va="center", fontsize=7.5)
    names = [f"{s} [{t}]" for s, t in zip(spans["state"][::-1], spans["type"][::-1], strict=True)]
    axes.set_yticks(range(len(spans)), names, fontsize=8)
    axes.set_xlabel("ms since the execution started")
    axes.set_xlim(0, spans["end_ms"].max() * 1.35 + 1)
    handles = [Patch(color=c, alpha=0.45, label=f"state {o}") for o, c in OUTCOME_COLOURS.items()
               if o in set(spans["outcome"])]
    handles += [Patch(color="#66BB6A", label="task attempt"), Patch(color="#EF5350", label="failed attempt"),
                Patch(facecolor="none", edgecolor="#616161", hatch="///", label="retry wait")]
    axes.legend(handles=handles, fontsize=7, loc="lower right")
    axes.set_title(title or "execution timeline", fontsize=10)
    return _done(figure)


def state_duration_chart(durations: pd.DataFrame) -> Figure:
    """How long each state took across many executions (box: p25–p75, whiskers p1–p99, log scale)."""
    order = durations.groupby("state")["duration_ms"].median().sort_values(ascending=False).index
    figure, axes = plt.subplots(figsize=(9, 0.35 * len(order) + 1.2), dpi=DPI)
    data = [durations.loc[durations["state"] == s, "duration_ms"].clip(lower=0.1) for s in order]
    axes.boxplot(data, orientation="horizontal", whis=(1, 99), showfliers=False)
    labels = [f"{s} (n={len(d)})" for s, d in zip(order, data, strict=True)]
    axes.set_yticks(range(1, len(order) + 1), labels, fontsize=8)
    axes.invert_yaxis()
    axes.set_xscale("log")
    axes.set(xlabel="ms in the state (log scale)",
             title=f"time in each state, {durations['execution'].nunique()} executions")
    return _done(figure)


def metrics_chart(frame: pd.DataFrame, panels: dict[str, list[str]]) -> Figure:
    """CloudWatch values per minute (from ``lab.get_metrics``), one panel per group of columns."""
    figure, axes_list = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3), dpi=DPI, squeeze=False)
    for axes, (title, labels) in zip(axes_list[0], panels.items(), strict=True):
        for label in labels:
            if label in frame:
                series = frame[label].dropna()
                axes.plot(series.index, series.values, marker="o", ms=3, label=label)
        axes.set_title(title, fontsize=10)
        axes.xaxis.set_major_formatter(DateFormatter("%H:%M"))
        axes.tick_params(axis="x", labelsize=7)
        if len(frame.index):
            axes.set_xlim(frame.index.min() - pd.Timedelta(minutes=1), frame.index.max() + pd.Timedelta(minutes=1))
        axes.set_xlabel("minute (UTC)", fontsize=8)
        axes.legend(fontsize=7)
        axes.set_ylim(bottom=0)
    return _done(figure)


def cost_chart(costs: pd.DataFrame) -> Figure:
    """USD per million orders, Standard against Express, stacked by item (from ``lab.order_costs``)."""
    figure, axes = plt.subplots(figsize=(7, 3.4), dpi=DPI)
    shown = costs[(costs["Standard"] > 0) | (costs["Express"] > 0)]
    bottom = pd.Series(0.0, index=["Standard", "Express"])
    for item, row in shown.iterrows():
        axes.bar(bottom.index, row[["Standard", "Express"]], bottom=bottom, label=item)
        bottom += row[["Standard", "Express"]].astype(float)
    for x, total in enumerate(bottom):
        axes.text(x, total, f"${total:,.2f}", ha="center", va="bottom", fontsize=9)
    axes.set_ylim(0, bottom.max() * 1.15)
    axes.set(ylabel="USD per million orders", title="the order workflow as Standard and as Express")
    axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _done(figure)


def save_small(figure: Figure, path: Any) -> None:
    """Save a chart as a small PNG (to look at outside the notebook)."""
    figure.savefig(path, dpi=DPI)
