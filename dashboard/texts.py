"""Every user-facing string of the dashboard, so tests assert against the same text."""

APP_TITLE = "ticketloop"
OVERVIEW_TITLE = "Overview"
DATA_TITLE = "Data"
SETTINGS_TITLE = "Settings"
DATASET_LABEL = "Data set"
STORE_CAPTION = "Event store: `{db}`"
NO_DATA = (
    "No data yet. Upload a helpdesk export on the Data page, load one with "
    "`ticketloop ingest my_export.csv`, or the sample data set with `make demo`."
)
NO_DATABASE = "No event store at `{db}` yet. " + NO_DATA
STORE_PROBLEM = "The event store cannot be read: {message}"
SETTINGS_PROBLEM = "ticketloop.toml is not used (defaults apply): {message}"

# Sidebar filters
FILTER_DATES = "Tickets created"
FILTER_LABELS = {
    "channel": "Channel",
    "priority": "Priority",
    "team": "Team",
    "category": "Category",
    "level": "Support level",
}
FILTER_ALL = "All"
FILTER_ABSENT = "This data set has no {names}."
FILTER_ACTIVITY = "Through activity **{activity}**"
FILTER_EDGE = "Path step **{a}** → **{b}**"
CLEAR = "Clear"

# Overview
CHANNEL_CHART_TITLE = "Tickets created per week, by channel"
WEEKLY_CHART_TITLE = "Tickets created per week"
NO_CHANNELS = "This data set records no channel, so tickets per week are not split by channel."
VARIANT_CHART_TITLE = "Most frequent ticket paths"
VARIANT_CAPTION = (
    "Each row is a path (variant): the activities of a ticket in order, one square per event "
    "(hover a square for its activity). Bars show how many tickets took it."
)
NOTHING_SELECTED = "No tickets match these filters. Widen them in the sidebar."
METRIC_TICKETS = "Tickets"
METRIC_EVENTS = "Events"
METRIC_SPAN = "Time span"
METRIC_VARIANTS = "Paths (variants)"
METRIC_DURATION = "Median ticket duration"
REJECTED_NOTE = "{n:,} source rows were rejected at ingest; they are kept in the `rejects` table."
REJECTED_EXPANDER = "Rejected rows (the first 200)"
