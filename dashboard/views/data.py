"""placeholder"""

from dashboard.context import PageContext


def render(ctx: PageContext) -> None:
    pass
