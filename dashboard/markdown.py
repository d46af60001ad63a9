"""Values from the data shown as text in Markdown: ids, names, labels, titles and messages that
quote them enter st.markdown, captions, messages and widget labels only through `text` or `say`,
so `![b](http://host/x.png)` shows as typed and fetches nothing, `**x**` is not bold and `<b>`
no tag."""

from __future__ import annotations

import re
from typing import Any

# What makes Markdown of text inside a sentence: links and images (`[`), emphasis, code, HTML
# and autolinks (`<`), strikethrough, tables, Streamlit's :colour[...] directives and $math$.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~$])")


def text(value: object) -> str:
    """`value` as literal text inside Markdown: every special character backslash-escaped."""
    return _SPECIAL.sub(r"\\\1", str(value))


def code_spans(message: str) -> list[tuple[str, bool]]:
    """A message of ours cut at its backticks: (piece, whether it is a `quoted` name). A message
    with an unpaired backtick is one plain piece."""
    pieces = message.split("`")
    if len(pieces) % 2 == 0:
        return [(message, False)]
    return [(piece, i % 2 == 1) for i, piece in enumerate(pieces) if piece]


def reason(message: str) -> str:
    """A message of ours that may quote the log (why a KPI is not computed) as Markdown: its
    `quoted` names as code, which shows them literally, the rest as `text`."""
    return "".join(f"`{p}`" if quoted else text(p) for p, quoted in code_spans(message))


def say(template: str, **values: Any) -> str:
    """`template.format(**values)` with each string value (and each exception, by its message)
    escaped by `text`; numbers and dates keep their format specs."""
    return template.format(
        **{k: text(v) if isinstance(v, str | BaseException) else v for k, v in values.items()}
    )
