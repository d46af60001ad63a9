"""`python -m ticketloop`: the same as the `ticketloop` command."""

from ticketloop.cli import main

main()
