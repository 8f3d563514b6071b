"""Ways to show long or paired things in a notebook without burying the page.

``Collapsed`` folds a long text (a whole state machine definition) under a one-line summary;
``SideBySide`` puts two JSON documents next to each other (the recipe's state and the kit's).
Both carry a plain-text form too, for nbval and for readers without HTML.
"""
from __future__ import annotations

import html
import json
from typing import Any


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)


class Collapsed:
    """A long text folded under a summary line; click the summary to open it.

    >>> lab.Collapsed("The whole definition", definition)
    """

    def __init__(self, summary: str, value: Any) -> None:
        self.summary = summary
        self.text = _text(value)

    def _repr_html_(self) -> str:
        lines = self.text.count("\n") + 1
        return (f"<details><summary>{html.escape(self.summary)} ({lines} lines: click to open)</summary>"
                f"<pre>{html.escape(self.text)}</pre></details>")

    def __repr__(self) -> str:
        return f"{self.summary}\n{self.text}"


class SideBySide:
    """Two or more documents in columns, each under its title.

    >>> lab.SideBySide({"the recipe": recipe_state, "this kit": definition["States"]["IsUserValid"]})
    """

    def __init__(self, columns: dict[str, Any]) -> None:
        self.columns = {title: _text(value) for title, value in columns.items()}

    def _repr_html_(self) -> str:
        cells = "".join(f"<td style='vertical-align:top;text-align:left'><b>{html.escape(title)}</b>"
                        f"<pre>{html.escape(text)}</pre></td>" for title, text in self.columns.items())
        return f"<table><tr>{cells}</tr></table>"

    def __repr__(self) -> str:
        return "\n\n".join(f"--- {title}\n{text}" for title, text in self.columns.items())
