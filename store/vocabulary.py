"""The canonical vocabulary of the event store: activities, support levels, and the words of
conformance (survey scales are in the field registry); and the one rule that suggests, from a
source label's words, the canonical activity it is."""

import re

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


# The words of a label that say which canonical activity it is, tried in order (the first that
# matches wins; None: no suggestion). Labels are compared in lower case, with `-` and `_` as
# spaces. Creation and resolution are suggested only of the ticket itself: `Resolve SW anomaly`
# resolves something else.
_TICKET = r"( (the |a )?(ticket|case|incident|request|issue|call))?"
_RULES: tuple[tuple[str, str | None], ...] = (
    (r"\bawaiting assign", None),  # a queue, not an assignment
    (r"\bde ?escalat|\bdowngrade", "De-escalated"),
    (r"\bescalat|\bupgrade", "Escalated"),
    (r"\breopen", "Reopened"),
    (
        r"\b(assign|set) (seriousness|severity|priority|category|type)\b|\bclassif|\bcategori[sz]",
        "Classified",
    ),
    (r"\btake in charge\b|\bassign|\bpick(ed)? up\b", "Assigned"),
    (
        r"\bwait(ing)?\b|\bawaiting (user|customer|caller|info)|\bpending (user|customer|info)"
        r"|\bon hold\b|\b(more |request(ed)? )info",
        "Information requested",
    ),
    (r"\bsurvey|\bfeedback\b|\bsatisfaction\b", "Survey answered"),
    (r"\bknowledge", "Knowledge base consulted"),
    (r"\bfirst (response|reply)\b", "First response"),
    (r"\b(customer|user|caller) (repl|respon|answer)", "Customer replied"),
    (r"\binvestigat|\bdiagnos", "Investigation"),
    (r"\breject|\bdeclin|\brefus|\bden(y|ied)\b", "Rejected"),
    (r"\babandon|\bcancel", "Abandoned"),
    (r"^(close[ds]?|closing)" + _TICKET + "$", "Closed"),
    (r"^(resolve[ds]?|solved?|fixed|resolution)" + _TICKET + "$", "Resolved"),
    (
        r"^(insert(ed)?|create[ds]?|open(ed)?|new|submit(ted)?|register(ed)?|log(ged)?)"
        + _TICKET
        + r"$|^(ticket|case|incident|request) (created|opened|submitted|logged)$",
        "Ticket created",
    ),
)


# Activities that end a ticket as its outcome: their words are not enough, as a label may end
# something else (`O_CANCELLED` in BPI 2012 cancels an offer, and a third of its applications go
# on). They are suggested only of a label that ends ENDS_SHARE of the tickets that have it
# (store.dataset_vocabulary.ending_shares).
OUTCOMES = ("Abandoned", "Rejected")
# The activities that end a ticket (its time to resolution, open tickets: mining.kpis).
ENDINGS = ("Resolved", "Rejected", "Abandoned", "Closed")
ENDS_SHARE = 0.9


def suggest_activity(label: str, ends: float = 1.0) -> str | None:
    """The canonical activity a source label's words suggest, or None: `Resolve ticket` Resolved,
    `Require upgrade` Escalated, `Wait - User` Information requested, `Take in charge ticket`
    Assigned. An outcome (OUTCOMES) only when `ends`, the share of its tickets the label ends, is
    ENDS_SHARE at least. A suggestion only: nothing is applied without the user."""
    words = re.sub(r"[\s_\-]+", " ", label).strip().lower()
    if words in CANONICAL_BY_LOWER:
        return CANONICAL_BY_LOWER[words]
    for pattern, activity in _RULES:
        if re.search(pattern, words):
            return None if activity in OUTCOMES and ends < ENDS_SHARE else activity
    return None
