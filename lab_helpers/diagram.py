"""A picture of a workflow drawn from its ASL with matplotlib, offline (no graphviz, no console).

States are placed in rows by their distance from ``StartAt`` (longest path, so every arrow
points down). The happy path (``Next``, or a Choice's first rule) runs straight down the left
column; other states go to the columns on its right. An arrow that skips rows is routed along a
lane outside the boxes, so no line crosses a box. Solid arrows are the normal flow (Choice
arrows say which rule they are), dashed red ones are ``Catch`` routes.
"""
from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch, Patch

COLOURS = {"Task": "#FFE0B2", "Choice": "#BBDEFB", "Parallel": "#C8E6C9", "Pass": "#F5F5F5",
           "Fail": "#FFCDD2", "Succeed": "#DCEDC8", "Wait": "#E1BEE7", "Map": "#C8E6C9"}
BOX_W, BOX_H = 0.84, 0.56  # in column / row units
LANE_GAP = 0.12  # distance between lanes, and from the outermost box to the first lane
CATCH_COLOUR, FLOW_COLOUR = "#C62828", "#333333"
# An execution's path, as the console's graph view colours it.
PATH_COLOURS = {"succeeded": "#A5D6A7", "caught": "#FFCC80", "failed": "#EF9A9A", "running": "#90CAF9"}
NOT_ENTERED = "#F5F5F5"


def transitions(state: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(target, kind, label) for every way out of a state; kind is ``next``, ``choice`` or ``catch``."""
    out = [(choice["Next"], "choice", condition(choice)) for choice in state.get("Choices", [])]
    if "Default" in state:
        out.append((state["Default"], "choice", "Default"))
    if "Next" in state:
        out.append((state["Next"], "next", ""))
    out += [(catch["Next"], "catch", "") for catch in state.get("Catch", [])]
    return out


def condition(rule: dict[str, Any]) -> str:
    """A short text for a Choice rule: ``user.valid = true``."""
    if "Condition" in rule:  # JSONata: the expression itself, without its {% %}
        return str(rule["Condition"]).removeprefix("{%").removesuffix("%}").strip()
    variable = str(rule.get("Variable", "")).removeprefix("$.")
    for key, value in rule.items():
        if key not in ("Variable", "Next"):
            shown = str(value).lower() if isinstance(value, bool) else value
            return f"{variable} = {shown}" if key.endswith("Equals") else f"{variable} {key} {shown}"
    return variable


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
        for target, _, _ in transitions(states[name]):
            if target not in path:
                visit(target, path | {target})
        order.append(name)

    visit(definition["StartAt"], {definition["StartAt"]})
    order.reverse()
    position = {name: i for i, name in enumerate(order)}
    for name in order:
        for target, _, _ in transitions(states[name]):
            if position.get(target, -1) > position[name]:
                depth[target] = max(depth.get(target, 0), depth[name] + 1)
    return {name: depth.get(name, 0) for name in order}


def happy_path(definition: dict[str, Any]) -> list[str]:
    """StartAt, then each state's ``Next`` (or its first Choice rule), until the path ends."""
    states, path = definition["States"], [definition["StartAt"]]
    while True:
        state = states[path[-1]]
        following = state.get("Next") or next((c["Next"] for c in state.get("Choices", [])), None)
        if following is None or following in path or following not in states:
            return path
        path.append(following)


def discovery_order(definition: dict[str, Any]) -> dict[str, int]:
    """Breadth-first rank from StartAt, so a Choice's first rule is placed left of its Default."""
    states, queue = definition["States"], [definition["StartAt"]]
    rank: dict[str, int] = {}
    while queue:
        name = queue.pop(0)
        if name in rank or name not in states:
            continue
        rank[name] = len(rank)
        queue += [target for target, _, _ in transitions(states[name])]
    return rank


def positions(definition: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """(column, row) of each state: the happy path in column 0, the others in the first free column."""
    rows = layers(definition)
    spine = set(happy_path(definition))
    found = discovery_order(definition)
    taken: set[tuple[int, int]] = set()
    placed: dict[str, tuple[int, int]] = {}
    for name in sorted(rows, key=lambda s: (rows[s], s not in spine, found[s])):  # spine first
        column = 0
        while (column, rows[name]) in taken:
            column += 1
        taken.add((column, rows[name]))
        placed[name] = (column, rows[name])
    return placed


def label(name: str, state: dict[str, Any]) -> str:
    text = f"{name}\n[{state['Type']}]"
    if state["Type"] == "Parallel":
        text += "\n" + " ‖ ".join(branch["StartAt"] for branch in state["Branches"])
    if state.get("Retry"):
        text += "  ↻ retry"
    if state.get("End") or state["Type"] in ("Succeed", "Fail"):
        text += "  ■ end"  # a terminal state: nothing follows it, whatever sits below it
    return text


def draw_workflow(definition: dict[str, Any], *, title: str | None = None,
                  path: dict[str, str] | None = None, dpi: float | None = None) -> Figure:
    """Draw the states and transitions of an ASL definition; return the matplotlib Figure.
    With ``path`` (state -> ``succeeded``/``caught``/``failed``/``running``, from
    ``lab.execution_path``), boxes are coloured by what one execution did there; states it never
    entered are greyed out. ``dpi`` sets the resolution (64 when None).

    >>> lab.draw_workflow(lab.load_definition("order_workflow.json", subs))
    """
    states = definition["States"]
    cells = positions(definition)
    columns = max(c for c, _ in cells.values()) + 1
    rows = max(r for _, r in cells.values()) + 1
    first_in_row = {r: min(c for c, rr in cells.values() if rr == r) for r in range(rows)}
    last_in_row = {r: max(c for c, rr in cells.values() if rr == r) for r in range(rows)}
    # 64 dpi by default keeps the committed PNG to a few tens of KB and the labels legible.
    figure, axes = plt.subplots(figsize=(3.6 * columns + 2.2, 1.05 * rows + 0.9), dpi=dpi or 64)
    axes.set_xlim(-0.5 - 4 * LANE_GAP, columns - 0.5 + 4 * LANE_GAP)
    axes.set_ylim(-rows + 0.4, 0.55)
    axes.axis("off")
    lanes: dict[tuple[str, str], float] = {}  # (side, target) -> x of the lane arrows to target share

    def lane_x(side: str, target: str) -> float:
        if (side, target) not in lanes:
            used = sum(1 for s, _ in lanes if s == side)
            edge = -BOX_W / 2 if side == "left" else columns - 1 + BOX_W / 2
            step = -LANE_GAP if side == "left" else LANE_GAP
            lanes[(side, target)] = edge + step * (used + 1)
        return lanes[(side, target)]

    for name, (column, row) in cells.items():
        state = states[name]
        if path is None:
            face, text_colour = COLOURS.get(state["Type"], "white"), "black"
        else:
            face = PATH_COLOURS.get(path.get(name, ""), NOT_ENTERED)
            text_colour = "black" if name in path else "#9E9E9E"
        axes.add_patch(FancyBboxPatch((column - BOX_W / 2, -row - BOX_H / 2), BOX_W, BOX_H,
                                      boxstyle="round,pad=0.02", zorder=2, facecolor=face,
                                      edgecolor="#555" if path is None or name in path else "#BDBDBD"))
        axes.text(column, -row, label(name, state), ha="center", va="center", fontsize=8.5, zorder=3,
                  color=text_colour)
    for name, (column, row) in cells.items():
        for target, kind, text in transitions(states[name]):
            if target not in cells:
                continue
            t_column, t_row = cells[target]
            style = {"color": CATCH_COLOUR if kind == "catch" else FLOW_COLOUR,
                     "linestyle": "--" if kind == "catch" else "-", "lw": 1.1, "zorder": 1}
            if abs(t_row - row) <= 1:  # next row: a straight arrow between the boxes
                start = (column, -row - BOX_H / 2) if t_row > row else (column, -row + BOX_H / 2)
                end = (t_column, -t_row + BOX_H / 2) if t_row > row else (t_column, -t_row - BOX_H / 2)
                if kind == "catch" and (column, row) != (t_column, t_row):
                    style["connectionstyle"] = "arc3,rad=0.15"
                points = [start, end]
            else:  # skips rows: out sideways to a lane, along it, and into the target's side
                side = ("left" if column == first_in_row[row] and t_column == first_in_row[t_row]
                        else "right")
                if side == "right" and not (column == last_in_row[row] and t_column == last_in_row[t_row]):
                    side = "left"  # neither side is clear: prefer the left, the happy path's side
                x = lane_x(side, target)
                edge = -BOX_W / 2 if side == "left" else BOX_W / 2
                points = [(column + edge, -row), (x, -row), (x, -t_row), (t_column + edge, -t_row)]
            _arrow(axes, points, style)
            if text:
                (x0, y0), (x1, y1) = points[0], points[1]
                axes.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.04, text, fontsize=8, color="#1565C0",
                          ha="center", va="bottom", zorder=4,
                          bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none"})
    handles = [Line2D([], [], color=FLOW_COLOUR, label="next step / Choice rule"),
               Line2D([], [], color=CATCH_COLOUR, linestyle="--", label="Catch (error route)")]
    if path is not None:
        handles += [Patch(facecolor=colour, edgecolor="#555", label=outcome)
                    for outcome, colour in PATH_COLOURS.items() if outcome != "running" or "running" in path.values()]
        handles.append(Patch(facecolor=NOT_ENTERED, edgecolor="#BDBDBD", label="not entered"))
    axes.legend(handles=handles, loc="upper right", fontsize=8, frameon=False)
    axes.set_title(title or definition.get("Comment", "")[:90], fontsize=11)
    figure.tight_layout()
    plt.close(figure)  # returned for display; not left open in pyplot's registry
    return figure


def _arrow(axes: Any, points: list[tuple[float, float]], style: dict[str, Any]) -> None:
    """A polyline whose last segment ends in an arrow head."""
    for (x0, y0), (x1, y1) in zip(points[:-2], points[1:-1], strict=True):
        axes.plot([x0, x1], [y0, y1], color=style["color"], linestyle=style["linestyle"], lw=style["lw"],
                  zorder=style["zorder"])
    props = {"arrowstyle": "-|>", "color": style["color"], "linestyle": style["linestyle"], "lw": style["lw"],
             "connectionstyle": style.get("connectionstyle", "arc3"), "shrinkA": 0, "shrinkB": 0}
    axes.annotate("", xy=points[-1], xytext=points[-2], arrowprops=props, zorder=style["zorder"])
