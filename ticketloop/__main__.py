"""`python -m ticketloop` runs the CLI."""

from ticketloop.cli import main

main()
