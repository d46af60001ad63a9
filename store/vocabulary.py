"""The canonical vocabulary of the event store: activities, support levels and survey scales."""

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

LEVELS: dict[int, str] = {1: "first level", 2: "second level", 3: "specialists", 4: "process owner"}

# Survey scales: inclusive (low, high) bounds of the whole-number answers.
SURVEY_SCALES: dict[str, tuple[int, int]] = {"csat": (1, 5), "ces": (1, 7), "nps": (0, 10)}
