"""The helpdesk tools whose exports ingest recognises (one module each in `ingest/sources`),
named once for the words of the CLI and the dashboard, which may not import `ingest`."""

VENDORS: tuple[str, ...] = ("Zendesk", "ServiceNow", "Freshdesk", "Jira Service Management")


def vendors_listed(last: str = "and") -> str:
    """The vendors in words: `Zendesk, ServiceNow, Freshdesk and Jira Service Management`."""
    return f"{', '.join(VENDORS[:-1])} {last} {VENDORS[-1]}"
