"""ticketloop's application shell: the `ticketloop` command and the synthetic helpdesk generator."""
