"""The canonical vocabulary of the event store: activities, support levels, and the words of
conformance (survey scales are in the field registry)."""

CANONICAL_ACTIVITIES: tuple[str, ...] = (
    "Ticket created",
    "Classified",
    "Assigned",
    "First response",
    "Information requested",
    "Customer replied",
    "Knowledge base consulted",
    "Escalated",
    "De-escalated",
    "Investigation",
    "Solution recorded in knowledge base",
    "Rejected",
    "Resolved",
    "Reopened",
    "Abandoned",
    "Survey answered",
    "Closed",
)
# A canonical activity by its name in lower case (labels and mapping files may write any case).
CANONICAL_BY_LOWER = {name.lower(): name for name in CANONICAL_ACTIVITIES}

LEVELS: dict[int, str] = {1: "first level", 2: "second level", 3: "specialists", 4: "process owner"}

# Activities of the customer and of the system, not of the desk's agents: the rest is the agents'
# side, whose events' teams and levels say who held a ticket (handovers, escalations, handoffs).
OUTSIDE_AGENTS: tuple[str, ...] = (
    "Ticket created",
    "Customer replied",
    "Reopened",
    "Survey answered",
    "Abandoned",
    "Closed",
)

# How `ticketloop conformance` names deviations, and [conformance] accepted_deviations lists them:
# "skipped: ACTIVITY" (a model activity a ticket did not do) or "unexpected: ACTIVITY".
DEVIATION_KINDS = ("skipped", "unexpected")
# How tickets are replayed on the designed flow: token replay (fast; approximate where the model
# repeats a label) or alignments (exact; slower the first time, then cached in the store).
CONFORMANCE_METHODS = ("token-replay", "alignments")
