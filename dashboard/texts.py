"""Every user-facing string of the dashboard, so tests assert against the same text."""

from store.fields import FILTERS_SHOWN
from store.vendors import VENDORS

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
SETTINGS_PROBLEM = "The settings cannot be read (the built-in defaults apply): {message}"

# Sidebar filters
FILTER_DATES = "Tickets created"
FILTER_LABELS = {f.name: f.filter.label for f in FILTERS_SHOWN}  # type: ignore[union-attr]
FILTER_ALL = "All"
FILTER_ABSENT = "This data set has no {names}."
FILTER_ACTIVITY = "Through activity **{activity}**"
FILTER_EDGE = "Path step **{a}** → **{b}**"
CLEAR = "Clear"

# Overview
CHANNEL_CHART_TITLE = "Tickets created per week, by channel"
WEEKLY_CHART_TITLE = "Tickets created per week"
NO_CHANNELS = "This data set records no channel, so tickets per week are not split by channel."
VARIANT_CHART_TITLE = "Most frequent variants (the paths whole tickets take)"
VARIANT_CAPTION = (
    "Each row is a variant: the activities of a ticket in order, one square per event "
    "(hover a square for its activity). Bars show how many tickets took it."
)
NOTHING_SELECTED = "No tickets match these filters. Widen them in the sidebar."
METRIC_TICKETS = "Tickets"
METRIC_EVENTS = "Events"
METRIC_INSTANCES = "Activity instances"
INSTANCES_HELP = (
    "The log records each activity's lifecycle (schedule, start, complete): the events of one"
    " activity's run are one instance, and every page counts these. The store keeps every event;"
    " ticketloop ticket ID shows them."
)
METRIC_SPAN = "Time span"
METRIC_VARIANTS = "Variants"
METRIC_DURATION = "Median ticket duration"
DURATION_HELP = (
    "From a ticket's first event to its last, its closing included (an auto-close days after"
    " the resolution counts). The time to resolution, on the weekly review and KPI trends, stops"
    " at the ticket's `Resolved` event."
)
REJECTED_NOTE = "{n:,} source rows were rejected at ingest; they are kept in the `rejects` table."
REJECTED_EXPANDER = "Rejected rows (the first 200)"

# Data page
DATA_INTRO = (
    f"Upload helpdesk exports: {', '.join(VENDORS)}, any CSV or "
    "XES event log. Each file's format is recognised; files loaded before add nothing."
)
UPLOAD_LABEL = "Export files"
DATASET_VERSION_HELP = (
    "The data set's version: every change of what it holds adds one (a load that brings new"
    " events or rejects, a new vocabulary)."
)
UPLOAD_LIMIT = "Up to {mb:,} MB per file (more: `ticketloop dashboard --max-upload-mb N`)."
UPLOAD_INTO = "Load into"
UPLOAD_NEW = "A new data set"
UPLOAD_ADD = "An existing data set"
UPLOAD_DATASET = "Name of the new data set"
UPLOAD_DATASET_HELP = (
    "Empty: the first file's name, made unique (helpdesk-2 when there is a helpdesk already)."
)
UPLOAD_ADD_TO = "Data set to add to"
UPLOAD_HELD = (
    "{held:,} of the {total:,} tickets of {files} are in '{dataset}' already: their events are "
    "added only where new."
)
UPLOAD_PSEUDONYMISE = "Pseudonymise customers"
UPLOAD_PSEUDONYMISE_HELP = (
    "Customers' names, e-mails, phone and card numbers, in columns and in free text, are replaced"
    " by stable pseudonyms before anything is stored (as ingest --pseudonymise); the data set"
    " keeps the choice for later loads."
)
UPLOAD_PSEUDONYMISE_AGENTS = "Pseudonymise agents too"
UPLOAD_HELD_NONE = (
    "None of the {total:,} tickets of {files} is in '{dataset}': is it another desk's or another"
    " process's log? Adding it mixes the two in one data set; a new data set keeps them apart."
)
UPLOAD_HELD_UNKNOWN = (
    "What '{dataset}' holds of these files cannot be told before loading: {message}"
)
UPLOAD_MAPPING = "Mapping file (optional)"
UPLOAD_MAPPING_HELP = (
    "A TOML file as `ticketloop ingest --map` reads: [columns] naming the columns of each field "
    "(category, team, level, ...), [activities], [timestamp] format and [levels]. An unrecognised "
    "CSV without one gets the mapping assistant, which saves one."
)
UPLOAD_MAPPING_BAD = "The mapping file is not used: {message}"
UPLOAD_TIMEZONE = "Time zone of times without an offset"
UPLOAD_TIMEZONE_HELP = (
    "The desk's clock in the export (as `ticketloop ingest --timezone`); timestamps with an "
    "offset keep theirs. Default: the data set's calendar zone (Settings), or the mapping file's."
)
UPLOAD_BUTTON = "Load"
UPLOAD_PROGRESS = "Loading {files}…"
UPLOAD_DONE = "Loaded into data set '{dataset}': {cases:,} tickets, +{events:,} events."
UPLOAD_FAILED = "Nothing was loaded: {message}"
UPLOAD_SAME = (
    "Already loaded, nothing added: {files} is in data set '{dataset}' (same content). To read "
    "it again with another mapping or time zone, name a new data set, or delete '{dataset}' below."
)
UPLOAD_ALREADY = "Already loaded, nothing added: {files} was loaded into '{dataset}' before."
UPLOAD_SPAN = "First ticket created {first}, last event {last} ({zone} time)."
LOAD_SUMMARY = "Load summary"
REJECTS_DOWNLOAD = "Download the {n:,} rejected rows (CSV)"
MAPPING_TITLE = "Map the columns of {file}"
MAPPING_INTRO = (
    "This CSV was not recognised. Each field starts at the column its name and contents suggest; "
    "check every one (case id, activity and timestamp are needed), then load it, and save the "
    "mapping for next time."
)
MAPPING_NONE = "(none)"
MAPPING_FORMAT = "Timestamp format (optional, e.g. %d/%m/%Y %H:%M)"
MAPPING_LOAD = "Load with this mapping"
MAPPING_SAVE = "Save the mapping file"
MAPPING_MISSING = "Pick a column for: {fields}."
VOCAB_TITLE = "Vocabulary of '{dataset}'"
VOCAB_INTRO = (
    "Which of the log's labels is which canonical activity, and each team's support level. "
    "Each label is pre-filled with a suggestion from its words; change any, then apply: every "
    "page, command and report uses the new vocabulary at once, without loading the data again. "
    "The labels as the log wrote them stay stored."
)
VOCAB_KEEP = "(as loaded)"
VOCAB_LABEL = "label in the log"
VOCAB_EVENTS = "events"
VOCAB_NOW = "activity now"
VOCAB_MAP_TO = "canonical activity"
VOCAB_TEAM = "team"
VOCAB_LEVEL_NOW = "level now"
VOCAB_LEVEL = "support level (1-4)"
VOCAB_COMPUTABLE = "Applying makes computable: {kpis}."
VOCAB_LOST = "Applying stops: {kpis}."
VOCAB_NO_CHANGE = "Applying these choices neither makes a KPI computable nor loses one."
VOCAB_APPLY = "Apply this vocabulary"
VOCAB_RESET = "Back to the labels as loaded"
VOCAB_APPLIED = (
    "Vocabulary of '{dataset}' applied: {labels:,} labels remapped, {teams:,} teams given a "
    "level{computable}."
)
VOCAB_NOW_COMPUTABLE = "; now computable: {kpis}"
QUALITY_TITLE = "Data quality of '{dataset}'"
QUALITY_CLEAN = "Nothing to report: no rows rejected, dropped or suspect."
QUALITY_FILES = "Files loaded"
MANAGE_TITLE = "Data sets"
RENAME_LABEL = "New name for '{dataset}'"
RENAME_BUTTON = "Rename"
RENAMED = "Renamed '{old}' to '{new}'."
DELETE_BUTTON = "Delete '{dataset}'…"
DELETE_CONFIRM = (
    "Delete data set '{dataset}' ({events:,} events) from the store? This cannot be undone; "
    "the export files can be loaded again."
)
DELETE_YES = "Yes, delete it"
DELETE_NO = "Cancel"
DELETED = "Deleted data set '{dataset}'."

# Settings page
SETTINGS_INTRO = (
    "The settings of data set **{dataset}**, kept in the store with it: saving changes this data"
    " set only, and every page uses them at once. What it has not set itself comes from {defaults}."
)
SETTINGS_DEFAULTS_FILE = "`{path}`"
SETTINGS_BUILT_IN = "the built-in defaults"
SETTINGS_NO_DATA = (
    "Settings belong to a data set: load one on the Data page first. A new data set starts from"
    " {defaults}."
)
SETTINGS_SOURCES = "Where each value comes from"
SOURCE = {"data set": "this data set", "built-in default": "built-in default"}  # else the file
SETTINGS_SAVE = "Save settings"
SETTINGS_SAVED = "Saved as the settings of data set {dataset}."
SETTINGS_REFUSED = "Not saved: {message}"
CALENDAR = "Business calendar"
WORKDAYS = "Working days"
OPENS = "Opens"
CLOSES = "Closes"
TIMEZONE = "Time zone (IANA, e.g. Europe/Madrid)"
HOLIDAYS = "Holidays (one date a line, YYYY-MM-DD)"
REPORT_TRENDS_OTHERS = (
    "The data set gives none of the usual trend KPIs (times to resolution and response,"
    " escalations, satisfaction, backlog; the scorecard says why): the trends of those it gives."
)
REPORT_TRENDS_NONE = "No KPI has a value in any week: the scorecard says why."
QUALITY_EXAMPLES = "Times in the examples are in {zone}."
TARGETS = "KPI targets"
TARGETS_HINT = "Rates and shares in percent: type 70 for 70%."
SLA = "SLA targets per priority (business hours)"
SLA_FIRST_RESPONSE = "first response within"
SLA_RESOLUTION = "resolution within"
ESCALATIONS = "Escalations"
PUSH_TO_FRONT = "Push to front: a category's share solved without escalation (%)"
DEVIATIONS = "Accepted deviations (one a line, e.g. skipped: Classified)"
FLOW = "Designed flow"
FLOW_UPLOAD = "Upload a BPMN file (replaces the designed flow)"
FLOW_METHOD = "Replay the tickets on it by"
FLOW_METHODS = {
    "token-replay": "token replay: fast; approximate where the flow repeats a label",
    "alignments": "alignments: exact; slower the first time (then kept in the store)",
}
FLOW_NONE = (
    "No designed flow yet: upload your process's BPMN file, or discover one from the tickets"
    " (ticketloop discover --out flow.bpmn) to start from."
)
FLOW_MISSING = "The designed flow {path} does not exist; upload one."
CHANGE_LOG = "Process changes"
CHANGE_LOG_NO_DATA = "Process changes are recorded per data set: load one first."
CHANGE_LOG_INTRO = (
    "Changes to the process of '{dataset}' (a knowledge-base rollout, a new triage rule), with the"
    " date they took effect: the KPI pages mark them and measure their effect."
)
CHANGE_LOG_EMPTY = "No process change recorded for this data set yet."
CHANGE_DATE = "Took effect on"
CHANGE_TITLE = "What changed"
CHANGE_NOTE = "Note (optional)"
CHANGE_ADD = "Record the change"
CHANGE_NEEDS = "A change needs the date it took effect and what changed."
CHANGE_ADDED = "Recorded: {date} {title}."
CHANGE_PICK = "Recorded change"
CHANGE_REMOVE = "Remove it"
CHANGE_REMOVED = "Removed: {date} {title}."

# Process map, conformance and escalation pages
PROCESS_MAP_TITLE = "Process map"
MAP_ACTIVITIES = "Activities shown"
MAP_PATHS = "Paths shown (%)"
MAP_PATHS_HELP = (
    "The busiest share of the paths between activities, by how many times tickets take them;"
    " each activity also keeps its busiest path in and out, so the map stays connected (the"
    " count below says how many are shown)."
)
MAP_EDGES_BY = "Edges by"
MAP_BY = {"count": "frequency", "median_seconds": "median wait"}
MAP_METRIC_ACTIVITIES = "Activities"
MAP_METRIC_EDGES = "Paths (activity to activity)"
MAP_METRIC_UNDESIGNED = "Paths not in the design"
MAP_CHART_TITLE = "The process as the tickets ran it"
MAP_CAPTION = (
    "Boxes are activities (darker: more frequent, with how often they happen); lines are "
    "directly-follows paths, as wide as their {by}.{design} "
    "Scroll to zoom, drag to pan; click an activity or a path's dot to filter every page on the "
    "tickets that pass there (clear it in the sidebar)."
)
MAP_CAPTION_DESIGN = " Red paths are not in the designed flow."
MAP_CAPTION_PROCESSING = (
    " Each activity is counted once per instance (its start and complete together); by median"
    " wait, a box gives its median processing time, start to complete, and a path the wait"
    " between the two activities."
)
MAP_EMPTY = "No paths between activities in this selection: every ticket has a single event."
DESIGN_TITLE = "Designed flow"
DESIGN_PAN = "Drag to pan along the flow; scroll to zoom out and see it whole."
DESIGN_NONE = (
    "No designed flow to compare with: upload your process's BPMN file on the Settings page, or"
    " discover one from the tickets to start from (ticketloop discover --out flow.bpmn)."
)
DESIGN_NO_MATCH = (
    "The designed flow is not a flow of this data set's process (most of its activities are not"
    " in it), so its paths are not compared."
)
DESIGN_UNDESIGNED = "Paths the tickets take that the designed flow lacks"
DESIGN_ALL_DESIGNED = "Every path shown is in the designed flow."
CONFORMANCE_TITLE = "Conformance"
CONF_RUNNING = "Replaying the tickets on the designed flow (the first time takes a few seconds)…"
CONF_FITNESS = "Log fitness"
CONF_FITTING = "Tickets that fit the design"
CONF_DEVIATIONS = "Deviations"
CONF_WEEKLY_TITLE = "Fitness by week (dotted lines: process changes)"
CONF_NO_CHANGES = (
    "No process changes recorded for this data set (record them on the Settings page, or with "
    "`ticketloop change add`)."
)
CONF_RANKED = "Deviations ranked by cost (tickets × extra median time to resolution)"
CONF_DURATION = "Time to resolution here is the time from {how}."
CONF_ACCEPTED = "Accepted deviations (Settings)"
CONF_NO_DEVIATIONS = "No deviations: every selected ticket follows the designed flow."
CONF_NO_CSAT = "No survey answers in this data set, so the CSAT gap is empty."
CONF_DRILL = "Drill down: a deviation's tickets"
CONF_PICK_DEVIATION = "Deviation"
CONF_PICK_TICKET = "Ticket"
CONF_TIMELINE = "Timeline of {ticket}"
VARIANTS_TITLE = "Variant explorer"
VARIANTS_SHOWN = "Variants shown"
VARIANTS_PICK = "Variant"
VARIANTS_CAPTION = (
    "{total:,} variants in all; variant #{rank}: {tickets:,} tickets, e.g. {examples}."
)
ESCALATIONS_TITLE = "Escalations"
ESC_NOTHING = (
    "This data set has no support levels, no teams and no `Escalated` activity, so there are no "
    "escalations to show (map your labels to the canonical activities below the upload on the Data "
    "page, or with `ticketloop map`)."
)
ESC_LEVELS_HINT = (
    "A move to a team of a higher level is an escalation: give the teams' levels on the Data page, "
    "with `[levels]` in a mapping file applied by `ticketloop map --map FILE`, or as a level column "
    "(`sample_logs/helpdesk_levels.toml` is one)."
)
ESC_MISSING = "This data set has {names}: {what} cannot be shown."
ESC_NO_LEVELS_WHAT = "the level funnel"
ESC_NO_TEAMS_WHAT = "ping-pong between teams"
ESC_NO_ESCALATED_WHAT = "escalated, bounce-back and push-to-front tickets"
ESC_NO_ESCALATION_SOURCE = "`Escalated` activity or support levels"
ESC_METRIC_ESCALATED = "Escalated tickets"
ESC_METRIC_NEEDLESS = "Needless escalations"
ESC_NOT_MEASURED = "Bounce-backs, push-to-front and needless escalations are not measured: {why}."
ESC_MOVES_NOT_MEASURED = (
    "Escalations, ping-pong, bounce-backs, push-to-front and needless escalations are not"
    " measured: {why}."
)
ESC_METRIC_PING_PONG = "Ping-pong tickets"
ESC_METRIC_EXTRA = "Extra time to resolution"
ESC_METRIC_CSAT = "CSAT gap"
ESC_COST_CAPTION = (
    "Escalated tickets against tickets resolved without escalation, month of creation by month: "
    "mean time to resolution "
    "{ttr} vs {base} ({n:,} escalated and {m:,} other resolved tickets, of the months that have both)"
)
ESC_COST_CSAT = "; CSAT {csat} vs {base_csat} ({a:,} and {b:,} answers)"
ESC_NO_SURVEYS = "no survey answers"
ESC_NO_TEAMS = "no event names a team"
ESC_FUNNEL_TITLE = "Tickets reaching each support level"
ESC_KINDS_TITLE = "Needless escalations and transfers, by kind"
ESC_KINDS = {
    "bounce_back": "bounce-back (escalated, then sent back down)",
    "push_to_front": "push-to-front (escalated in a category the front line solves)",
    "ping_pong": "ping-pong (handed back and forth between teams)",
}
ESC_EXAMPLES = "Example tickets: {kinds}"
ESC_BREAKDOWN = "Break down by"
ESC_COMPARED = "{n:,} / {m:,}"
ESC_FEW = ", too few"
ESC_FEW_HELP = "Fewer than {n} {what} on a side (below): too few to read as a finding."
ESC_COMPARED_TITLE = "resolved: escalated / others"
ESC_ANSWERS_TITLE = "answers: escalated / others"
ESC_ANSWERS_HELP = (
    "What the CSAT gap rests on: the survey answers of the row's escalated tickets, against"
    " those of the tickets resolved without escalation. Fewer than {n} on a side is too few to"
    " read as a finding."
)
ESC_COMPARED_HELP = (
    "What the extra time rests on: the row's escalated tickets resolved, against the tickets"
    " resolved without escalation in the same months of creation. Fewer than {n} on a side is too"
    " few to read as a finding."
)
ESC_BREAKDOWNS = {
    "team": "team escalated to",
    "category": "category",
    "agent": "agent who escalated",
    "channel": "channel",
}
ESC_SANKEY_TITLE = (
    "Ping-pong tickets (bounced X → Y → X): every handover between teams they had, the bounces"
    " and the moves around them"
)
ESC_NO_PING_PONG = "No ping-pong tickets in this selection."


# Weekly review, KPI trends, bottlenecks (pages-review)
REVIEW_TITLE = "Weekly review"
REVIEW_WEEK = "Week {week}: {first:%d %b} to {last:%d %b %Y} · {selection}"
REVIEW_DOWNLOAD = "Download {week} (HTML)"
REVIEW_PICK_WEEK = "Week to review"
REVIEW_PICK_DEFAULT = " (last complete week)"
REVIEW_PICK_HELP = "Any ISO week with tickets created; the downloaded review follows it."
REVIEW_BOTTLENECKS_WHEN = "Transitions of the {recent}."
REVIEW_NEXT = "What to look at next"
DATASET_UNKNOWN = "No data set '{name}' in this store: showing '{shown}'."
REVIEW_SCORECARD = "Scorecard against targets and last week"
REVIEW_OTHER_KPIS = "Other KPIs (no target)"
REVIEW_NOT_COMPUTED = "Not computed on this data set:\n{names}"
REVIEW_STATUS = {
    "on": ":green-badge[on target]",
    "near": ":orange-badge[near target]",
    "off": ":red-badge[off target]",
}
NOT_JUDGED = "not judged: {edge}"  # a week value mining.weeks leaves unjudged, and why
REVIEW_EDGE = f":gray-badge[{NOT_JUDGED}]"
REVIEW_TARGET = "target {target} ({better} is better)"
REVIEW_SIGNAL = ":{colour}-badge[signal: {signal}, {reading}]"
REVIEW_DEVIATIONS = "Top deviations"
REVIEW_DEVIATIONS_WHEN = (
    "All selected tickets, of every week (not this week's alone), against the designed flow, most"
    " costly first (tickets x extra median time to resolution); accepted deviations left out."
)
REVIEW_DEVIATIONS_MORE = "Every deviation, its tickets and the variants: the Conformance page."
REVIEW_BOTTLENECKS = "Top bottlenecks"
REVIEW_BOTTLENECKS_MORE = "All of them, team queues and arrivals: the Bottlenecks page."
REVIEW_ESCALATIONS = "Needless escalations"
REVIEW_LINKED_WEEK = (
    "The link names week {week}: no ticket of this data set was created then (its weeks run"
    " {first} to {last}), so the last complete week is shown instead."
)
REVIEW_CHANGES = "Process changes and their measured effect"
EFFECT_HEAD = "**{title}** ({date}): {periods}."
EFFECT_CLEAR_ONLY = " Only the KPIs that moved clearly are shown: KPI trends shows all {total}."
KPI_TRENDS_TITLE = "KPI trends"
BOTTLENECKS_TITLE = "Bottlenecks"
TRANSITIONS_CHART = "Where tickets wait: transitions by total waiting time"
NO_TRANSITIONS = "No ticket has two events, so there is no waiting between activities."
TRENDS_INTRO = (
    "Each KPI week by week (in the week its ticket closed the measure: resolution, first "
    "response, answer, else creation) against its target, with process-behaviour (XmR) limits "
    "from {basis}. Signals (beyond the limits, or a run of 8 on one side) are green when better, "
    "red when worse; hollow points are weeks not judged: partial, warm-up, still closing, or "
    "resting on too few tickets or answers."
)
TRENDS_SIGNALS = "{n} flagged as signals; the latest: {weeks}."
TRENDS_MOSTLY_SIGNALS = (
    ":orange[{flagged} of {weeks} weeks are signals: the process has moved away from the limits "
    "of its phase (it has changed since, or the log starts mid-stream). Record the change on the "
    "Settings page: it starts a phase with limits of its own.]"
)
TRENDS_NO_SIGNAL = "No signal: every judged week within its limits, and no run of 8 on one side."
TRENDS_NO_LIMITS = "No limits yet, so no signal: they need {n} judged weeks in a phase."
TRENDS_EFFECTS = "Before and after each process change"
TRENDS_EFFECT_FAILED = "**{title}** ({date}): cannot be measured: {message}"
TRENDS_EFFECT_CAPTION = (
    "Tickets created in the 6 weeks before a change against those created in the 6 weeks from "
    "it; the interval is a 95% bootstrap interval of the difference, resampling days of "
    "creation (a day's tickets share its queue)."
)
BOTTLENECKS_BUSINESS = "Business hours only"
BOTTLENECKS_BUSINESS_HELP = "Count waiting on the business calendar of the Settings page."
BOTTLENECKS_CLOCK = "{tickets:,} tickets; durations in {clock}."
BOTTLENECKS_AFTER = "Include waits after resolution"
BOTTLENECKS_AFTER_HELP = (
    "Waits from a ticket's resolution on (Resolved → Closed, a survey answered days later) are"
    " not waits the customer feels: they are left out unless ticked."
)
BOTTLENECKS_NO_RESOLUTIONS = (
    "Resolutions are not read (by weekday and hour, and which waits come after them): {why}."
)
BOTTLENECKS_LEFT_OUT = "{note}; tick “Include waits after resolution” to rank them."
REVIEW_LEFT_OUT = "{note}; the Bottlenecks page ranks them."
METRIC_WAITING = "Waiting between activities"
METRIC_CUSTOMER = "Of it, for the customer"
METRIC_INTERNAL = "Of it, internal"
BOTTLENECKS_TRANSITIONS = "Transitions ranked by the time they add"
BOTTLENECKS_TABLE = "The transitions as a table, with example tickets"
BOTTLENECKS_RANGES = "How long the largest waits last: median and 90th percentile"
TEAM_QUEUES = "Team queues: from assignment to the team's next activity"
NO_TEAMS = "No `Assigned` event names a team, so there are no team queues to show."
NOT_ACTED_ON = "{n:,} assignments were never acted on by the team: {teams}."
CUSTOMER_WAITS = "Waiting for the customer"
CUSTOMER_WAITS_TEXT = (
    "{requests:,} information requests on {tickets:,} tickets; the customer replied after "
    "{median} (median), {p90} for the slowest 10%. This waiting is counted apart from the "
    "internal waiting above."
)
NO_CUSTOMER_WAITS = (
    "No `Information requested` or no `Customer replied` event, so waiting for the customer "
    "cannot be told apart: all waiting counts as internal."
)
PAUSED_HELP = (
    "The pauses: each `Information requested` until the ticket's next event, as this log has no"
    " `Customer replied` (Who pauses tickets, below)."
)
PAUSES = "Who pauses tickets"
PAUSES_TEXT = (
    "No `Customer replied` in this log ends a pause, so each `Information requested` counts until"
    " the ticket's next event: **{pauses:,}** pauses in **{tickets:,}** of {of:,} tickets"
    " ({share:.0%}), median **{median}**. By team and agent against the desk (a `vs desk` of 2.0"
    " is twice the desk's):"
)
ACTIVITY_DURATIONS = "How long activities take (start to complete)"
ACTIVITY_UNTIMED = "Completed without a start event, so not timed (instances): {activities}."
ARRIVALS = "When tickets arrive against when they are resolved (weekday × hour)"
ARRIVALS_ZONE = (
    "Hours in {zone}, the data set's calendar time zone (the Settings page changes it); the"
    " darker a cell, the more tickets (hover over it for the count)."
)
ARRIVALS_TITLES = ("Tickets created", "Tickets resolved")
TRENDS_NO_CHANGES = (
    "No process change recorded for this data set. Record one on the Settings page (or "
    "`ticketloop change add --date YYYY-MM-DD --title ...`) to mark it here and measure its effect."
)

# Sign-in, roles, the audit log, the unexpected (dashboard/access.py, app.py)
SIGN_IN_TITLE = "Sign in"
SIGN_IN_NAME = "User name"
SIGN_IN_PASSWORD = "Password"
SIGN_IN_BUTTON = "Sign in"
SIGN_IN_FAILED = "Wrong user name or password."
SIGN_IN_NO_USERS = (
    "This dashboard is shared and has no users yet. On the server, add one: "
    "`ticketloop users add NAME --role lead`"
)
SIGNED_IN_AS = "Signed in as {name} ({role})"
SIGN_OUT = "Sign out"
READ_ONLY = "Read-only: nobody can change the data or the settings here."
NOT_ALLOWED = "Not allowed: {action} needs another role than {role}. Ask a lead."
AUDIT_TITLE = "Audit log"
AUDIT_INTRO = (
    "Who uploaded, deleted, mapped, recorded or changed what through the dashboard, newest first"
    " (UTC); changes made with the `ticketloop` command are not logged here."
)
AUDIT_EMPTY = (
    "Nothing changed through the dashboard yet (the command's changes are not logged here)."
)
UNEXPECTED = (
    "Something went wrong on this page; the details are in the server's log. "
    "Try another selection, or tell whoever runs the dashboard."
)
