"""A data set's vocabulary as a setting: which of its source labels is which canonical activity,
and each team's support level, changed after loading (`ticketloop map`, the Data page). Each
label's suggestion (store.vocabulary.suggest_activity), the preview of the KPIs a vocabulary makes
computable, and applying it (store/dataset_vocabulary.py) with what changed."""

from __future__ import annotations

import shlex
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import tomli_w

from application.format import count
from ingest.mapping import Mapping
from mining.kpis import BY_NAME as KPIS_BY_NAME
from mining.kpis import activity_counts, unusable_kpis
from store.connection import open_store, transaction
from store.dataset_vocabulary import (
    Vocabulary,
    ended_share,
    ending_shares,
    set_vocabulary,
    source_labels,
    stored_vocabulary,
    suggestions,
    team_counts,
)
from store.datasets import dataset_id
from store.vocabulary import (
    CANONICAL_ACTIVITIES,
    CANONICAL_BY_LOWER,
    ENDINGS,
    ENDS_SHARE,
    OUTCOMES,
    suggest_activity,
)


@dataclass(frozen=True)
class LabelRow:
    """A source label of a data set: what it was as loaded, what it is now, how many events, and
    the suggestion from its words."""

    label: str
    loaded: str
    activity: str
    events: int
    suggestion: str | None


@dataclass(frozen=True)
class DatasetVocabulary:
    """A data set's labels and teams with their vocabulary now (the Data page's tables)."""

    dataset: str
    labels: list[LabelRow]
    teams: list[tuple[str, int | None, int]]  # team, level now (most common), events
    vocabulary: Vocabulary
    # label -> the share of its tickets it ends (ending_shares), and the share of the data set's
    # tickets an event ends now: read only when asked for
    ends: dict[str, float] = field(default_factory=dict)
    ended: float = 0.0

    def suggested(self) -> Vocabulary:
        """The vocabulary now, with each other label's suggestion where it changes the label."""
        activities = dict(self.vocabulary.activities)
        for row in self.labels:
            if row.label not in activities and row.suggestion and row.suggestion != row.loaded:
                activities[row.label] = row.suggestion
        return Vocabulary(activities, dict(self.vocabulary.levels))

    def label_choices(self) -> list[tuple[str, int, str, str | None]]:
        """(label, events, activity now, the canonical activity pre-filled: the one set, else the
        suggestion where it changes the label; None: as loaded) per label, most events first."""
        suggested = self.suggested().activities
        rows: dict[str, tuple[str, int, str, str | None]] = {}
        for row in self.labels:
            if row.label in rows:  # a label the loaded vocabulary split: one row, events summed
                label, events, now, choice = rows[row.label]
                rows[row.label] = (label, events + row.events, now, choice)
                continue
            rows[row.label] = (row.label, row.events, row.activity, suggested.get(row.label))
        return list(rows.values())

    def team_choices(self) -> list[tuple[str, int, int | None, int | None]]:
        """(team, events, level now, the level set for it or None) per team, most events first."""
        return [
            (team, events, level, self.vocabulary.levels.get(team.strip().lower()))
            for team, level, events in self.teams
        ]

    def suggestion_toml(self) -> str:
        """A mapping file of the suggested vocabulary for the user to edit and apply
        (`ticketloop map --map FILE`); labels without a suggestion and the teams as comments."""
        suggested = self.suggested()
        mapped = {r.label for r in self.labels if r.label in suggested.activities}
        lines = [
            f"# The vocabulary of data set '{self.dataset}', suggested from its labels' words.",
            f"# Edit it, then: ticketloop map --dataset {shlex.quote(self.dataset)} --map THIS_FILE",
            f"# Canonical activities: {', '.join(CANONICAL_ACTIVITIES)}",
            tomli_w.dumps({"activities": suggested.activities}).rstrip(),
        ]
        seen: set[str] = set()
        ending = self._unmapped_endings(mapped)
        if len(ending) > 1:
            lines.append(
                f"# Unmapped, {', '.join(ending)} each end {ENDS_SHARE:.0%} of their tickets or more:"
                f" if one is their outcome, map it ({', '.join(ENDINGS)}), else those tickets"
                " count as open. Several that end the same tickets at the same moment are steps"
                " of one ending: map one"
            )
        for row in self.labels:
            if row.label in mapped or row.label in seen:
                continue
            seen.add(row.label)
            kept = f"kept as {row.loaded}" if row.loaded == row.label else f"loaded as {row.loaded}"
            if (words := suggest_activity(row.label)) in OUTCOMES and not row.suggestion:
                kept += f"; not {words}: many of its tickets go on after it"
            elif row.label in ending:
                kept += f"; ends {self.ends[row.label]:.0%} of its tickets"
                if len(ending) == 1:
                    kept += f": {_OUTCOME_HINT}"
            lines.append(f'# {_toml_key(row.label)} = ""  # {count(row.events, "event")}, {kept}')
        lines.append("")
        lines.append("[levels]  # team = support level 1-4")
        for team, level in suggested.levels.items():
            lines.append(f"{_toml_key(team)} = {level}")
        for team, level, events in self.teams:
            if team.strip().lower() not in suggested.levels:
                now = f"level {level} now" if level else "no level now"
                lines.append(f"# {_toml_key(team)} = 1  # {count(events, 'event')}, {now}")
        return "\n".join(lines) + "\n"

    def _unmapped_endings(self, mapped: set[str]) -> list[str]:
        """The labels left unmapped that end ENDS_SHARE of their tickets or more, while many
        tickets look open (an ending may be unmapped); a label that has a suggestion is not."""
        if self.ended >= ENDS_SHARE:
            return []
        return list(
            dict.fromkeys(
                row.label
                for row in self.labels
                if row.label not in mapped
                and self.ends.get(row.label, 0.0) >= ENDS_SHARE
                and row.activity not in ENDINGS
                and not (suggest_activity(row.label) in OUTCOMES and not row.suggestion)
            )
        )


_OUTCOME_HINT = f"if it is their outcome, map it ({', '.join(ENDINGS)}), else they count as open"


def _toml_key(text: str) -> str:
    return tomli_w.dumps({text: 0}).split(" = ")[0]


def dataset_vocabulary(
    con: duckdb.DuckDBPyConnection, dataset: str, *, endings: bool = False
) -> DatasetVocabulary:
    """The labels and teams of `dataset`, each label with the suggestion from its words; with
    `endings`, how often each label ends its tickets (a read of every event: for `map
    --suggest`, which names the labels that end their tickets unmapped)."""
    d = dataset_id(con, dataset)
    rows = source_labels(con, d)
    names = list(dict.fromkeys(row[0] for row in rows))
    ends = ending_shares(con, d, names) if endings else None  # read once, for both uses
    suggested = suggestions(con, d, names, ends)
    labels = [
        LabelRow(label, loaded, activity, events, suggested[label])
        for label, loaded, activity, events in rows
    ]
    return DatasetVocabulary(
        dataset,
        labels,
        team_counts(con, d),
        stored_vocabulary(con, d),
        ends or {},
        ended_share(con, d) if endings else 0.0,
    )


@dataclass(frozen=True)
class KpiPreview:
    """Which KPIs a vocabulary makes computable that are not now, and which it stops."""

    computable: list[str]
    lost: list[str]
    still_not: dict[str, str]  # KPI -> why not, under the vocabulary


def preview_kpis(
    con: duckdb.DuckDBPyConnection, dataset: str, vocabulary: Vocabulary
) -> KpiPreview:
    """What applying `vocabulary` (replacing the data set's) would make computable, read from the
    events per label, without writing anything."""
    d = dataset_id(con, dataset)
    counts: dict[str, int] = {}
    for label, loaded, _activity, events in source_labels(con, d):
        target = vocabulary.activities.get(label) or loaded
        target = CANONICAL_BY_LOWER.get(target.lower(), target)
        counts[target] = counts.get(target, 0) + events
    return _compare(unusable_kpis(con, d), unusable_kpis(con, d, counts))


def kpi_names(names: list[str]) -> str:
    """KPIs in words, e.g. `median time to resolution (ttr_median_hours)`."""
    return ", ".join(f"{KPIS_BY_NAME[k].meaning} ({k})" for k in names)


def _compare(before: dict[str, str], after: dict[str, str]) -> KpiPreview:
    return KpiPreview(
        computable=[k for k in KPIS_BY_NAME if k in before and k not in after],
        lost=[k for k in KPIS_BY_NAME if k in after and k not in before],
        still_not=after,
    )


@dataclass
class VocabularyChange:
    """What applying a vocabulary did: labels remapped (label, before, after, events), teams
    given another level (team, before, after, events), the KPIs it made computable or stopped,
    and the labels and teams it names that the data set lacks."""

    dataset: str
    remapped: list[tuple[str, str, str, int]] = field(default_factory=list)
    levels: list[tuple[str, int | None, int | None, int]] = field(default_factory=list)
    computable: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    still_not: dict[str, str] = field(default_factory=dict)
    unknown_labels: list[str] = field(default_factory=list)
    unknown_teams: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["remapped"] = [
            {"label": a, "before": b, "after": c, "events": n} for a, b, c, n in self.remapped
        ]
        doc["levels"] = [
            {"team": a, "before": b, "after": c, "events": n} for a, b, c, n in self.levels
        ]
        return doc


def vocabulary_of(mapping: Mapping) -> Vocabulary:
    """A mapping file's [activities] and [levels] as a data set's vocabulary."""
    return Vocabulary(dict(mapping.activities), dict(mapping.levels))


def apply_vocabulary(db: Path | str, dataset: str, vocabulary: Vocabulary) -> VocabularyChange:
    """Make `vocabulary` the data set's (replacing the one before; empty: back to the labels as
    loaded), in one transaction, and say what changed. Every cached result of the store is stale
    after it (the store file changed)."""
    with open_store(db) as con:
        d = dataset_id(con, dataset)
        labels_before = _label_activities(con, d)
        teams_before = {team: (level, n) for team, level, n in team_counts(con, d)}
        unusable_before = unusable_kpis(con, d, activity_counts(con, d))
        with transaction(con):
            set_vocabulary(con, d, vocabulary)
        labels_after = _label_activities(con, d)
        teams_after = {team: level for team, level, _n in team_counts(con, d)}
        change = VocabularyChange(dataset)
        for label, (after, n) in labels_after.items():
            before = labels_before.get(label, (after, n))[0]
            if before != after:
                change.remapped.append((label, before, after, n))
        for team, (before, n) in teams_before.items():
            if teams_after.get(team) != before:
                change.levels.append((team, before, teams_after.get(team), n))
        preview = _compare(unusable_before, unusable_kpis(con, d))
    change.computable, change.lost, change.still_not = (
        preview.computable,
        preview.lost,
        preview.still_not,
    )
    change.unknown_labels = sorted(set(vocabulary.activities) - set(labels_after))
    lowered = {team.strip().lower() for team in teams_after}
    change.unknown_teams = sorted({t.strip().lower() for t in vocabulary.levels} - lowered)
    return change


def _label_activities(con: duckdb.DuckDBPyConnection, d: int) -> dict[str, tuple[str, int]]:
    """label -> (its activity now, events), labels split at loading joined."""
    found: dict[str, tuple[str, int]] = {}
    for label, _loaded, activity, events in source_labels(con, d):
        if label in found:
            now, n = found[label]
            activity = now if now == activity else f"{now}, {activity}"
            events += n
        found[label] = (activity, events)
    return found
