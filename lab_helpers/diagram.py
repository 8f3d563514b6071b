"""A picture of a workflow drawn from its ASL with matplotlib, offline (no graphviz, no console).

States are placed in rows by their distance from ``StartAt`` (longest path, so every arrow
points down); solid arrows are the normal flow, dashed red ones are ``Catch`` routes.
"""
from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

COLOURS = {"Task": "#FFE0B2", "Choice": "#BBDEFB", "Parallel": "#C8E6C9", "Pass": "#F5F5F5",
           "Fail": "#FFCDD2", "Succeed": "#DCEDC8", "Wait": "#E1BEE7", "Map": "#C8E6C9"}


def transitions(state: dict[str, Any]) -> list[tuple[str, str]]:
    """(target, kind) for every way out of a state; kind is ``next``, ``choice`` or ``catch``."""
    out = [(choice["Next"], "choice") for choice in state.get("Choices", [])]
    if "Default" in state:
        out.append((state["Default"], "choice"))
    if "Next" in state:
        out.append((state["Next"], "next"))
    out += [(catch["Next"], "catch") for catch in state.get("Catch", [])]
    return out


def layers(definition: dict[str, Any]) -> dict[str, int]:
    """Row of each state: the longest path from StartAt, ignoring edges that loop back."""
    states = definition["States"]
    depth = {definition["StartAt"]: 0}
    order: list[str] = []
    seen: set[str] = set()

    def visit(name: str, path: set[str]) -> None:  # depth-first, to find a topological order
        if name in seen or name not in states:
            return
        seen.add(name)
        for target, _ in transitions(states[name]):
            if target not in path:
                visit(target, path | {target})
        order.append(name)

    visit(definition["StartAt"], {definition["StartAt"]})
    order.reverse()
    position = {name: i for i, name in enumerate(order)}
    for name in order:
        for target, _ in transitions(states[name]):
            if position.get(target, -1) > position[name]:
                depth[target] = max(depth.get(target, 0), depth[name] + 1)
    return {name: depth.get(name, 0) for name in order}


def label(name: str, state: dict[str, Any]) -> str:
    text = f"{name}\n[{state['Type']}]"
    if state["Type"] == "Parallel":
        text += "\n" + " ‖ ".join(branch["StartAt"] for branch in state["Branches"])
    if state.get("Retry"):
        text += "\n↻ retry"
    return text


def draw_workflow(definition: dict[str, Any], *, title: str | None = None) -> Figure:
    """Draw the states and transitions of an ASL definition; return the matplotlib Figure.

    >>> lab.draw_workflow(lab.load_definition("order_workflow.json", subs))
    """
    states = definition["States"]
    rows = layers(definition)
    by_row: dict[int, list[str]] = {}
    for name, row in rows.items():
        by_row.setdefault(row, []).append(name)
    width = max(len(names) for names in by_row.values())
    figure, axes = plt.subplots(figsize=(max(8, 3.2 * width), 1.45 * (len(by_row) + 1)))
    axes.set_xlim(-0.5, width - 0.5)
    axes.set_ylim(-len(by_row) + 0.4, 0.8)
    axes.axis("off")
    centre: dict[str, tuple[float, float]] = {}
    for row, names in by_row.items():
        offset = (width - len(names)) / 2
        for i, name in enumerate(names):
            centre[name] = (offset + i, -row)
    for name, (x, y) in centre.items():
        state = states[name]
        axes.add_patch(FancyBboxPatch((x - 0.42, y - 0.3), 0.84, 0.6, boxstyle="round,pad=0.02",
                                      facecolor=COLOURS.get(state["Type"], "white"), edgecolor="#555"))
        axes.text(x, y, label(name, state), ha="center", va="center", fontsize=8)
    for name, (x, y) in centre.items():
        for target, kind in transitions(states[name]):
            if target not in centre:
                continue
            tx, ty = centre[target]
            catch = kind == "catch"
            axes.annotate("", xy=(tx, ty + 0.3 if ty < y else ty - 0.3), xytext=(x, y - 0.3 if ty < y else y + 0.3),
                          arrowprops={"arrowstyle": "->", "color": "#C62828" if catch else "#333",
                                      "linestyle": "--" if catch else "-", "alpha": 0.6 if catch else 0.9,
                                      "connectionstyle": "arc3,rad=0.12" if catch else "arc3"})
    axes.set_title(title or definition.get("Comment", "")[:90], fontsize=10)
    figure.tight_layout()
    plt.close(figure)  # returned for display; not left open in pyplot's registry
    return figure
