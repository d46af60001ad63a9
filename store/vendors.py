"""The helpdesk tools whose exports ingest recognises (one module each in `ingest/sources`),
named once for the words of the CLI and the dashboard, which may not import `ingest`."""

VENDORS: tuple[str, ...] = ("Zendesk", "ServiceNow", "Freshdesk", "Jira Service Management")


def vendors_listed(last: str = "and") -> str:
    """The vendors in words: `Zendesk, ServiceNow, Freshdesk and Jira Service Management`."""
    return f"{', '.join(VENDORS[:-1])} {last} {VENDORS[-1]}"


# The flat exports (one row per ticket, milestones only: ingest's sources of kind "milestones"),
# which record neither a ticket's moves between teams nor the work done at each level.
FLAT_FORMATS: dict[str, str] = {
    "zendesk-tickets": "Zendesk ticket CSV",
    "servicenow-incidents": "ServiceNow incident list",
    "freshdesk-tickets": "Freshdesk ticket CSV",
    "jira-issues": "Jira issue CSV",
}
# Their histories, which do record both (the second level's work as the tool keeps it).
HISTORIES = (
    "Zendesk audits",
    "ServiceNow sys_audit or snapshots",
    "Freshdesk activities",
    "Jira changelog",
)
