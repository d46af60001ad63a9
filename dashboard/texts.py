"""Every user-facing string of the dashboard, so tests assert against the same text."""

APP_TITLE = "ticketloop"
OVERVIEW_TITLE = "Overview"
DATASET_LABEL = "Data set"
NO_DATA = (
    "No data yet. Load a helpdesk export with `ticketloop ingest my_export.csv`, "
    "or the sample data set with `make demo`."
)
NO_DATABASE = "No event store at `{db}` yet. " + NO_DATA
STORE_PROBLEM = "The event store cannot be read: {message}"
CHANNEL_CHART_TITLE = "Tickets created per week, by channel"
VARIANT_CHART_TITLE = "Most frequent ticket paths"
VARIANT_CAPTION = (
    "Each row is a path (variant): the activities of a ticket in order, one square per event. "
    "Bars show how many tickets took it."
)
METRIC_TICKETS = "Tickets"
METRIC_EVENTS = "Events"
METRIC_SPAN = "Time span"
METRIC_VARIANTS = "Paths (variants)"
METRIC_DURATION = "Median ticket duration"
REJECTED_NOTE = "{n:,} source rows were rejected at ingest; they are kept in the `rejects` table."
REJECTED_EXPANDER = "Rejected rows (the first 200)"
