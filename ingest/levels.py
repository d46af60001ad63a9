"""A team's support level (1-4), the one rule every reader applies: the mapping's [levels], else
level words in the team's name ("L2", "Tier 2", "Level 3", "2nd line", "second line", or a bare
ordinal such as "G230 2nd")."""

from __future__ import annotations

# Level words in a team's name, lower case: a number after L/tier/level, or an ordinal (followed by
# line/level/tier, or ending the name: `G230 2nd`, not `4th floor`).
_NUMBERED = r"(?:^|[^a-z0-9])(?:l|tier|level)\s*([1-4])(?:[^0-9]|$)"
_ORDINAL = r"(?:^|[^a-z0-9])([1-4])(?:st|nd|rd|th)(?:\s*(?:line|level|tier)\b|\s*$)"


def level_of(team: str) -> str:
    """SQL: the support level (1-4, TINYINT) of the team named by the SQL expression `team`, from
    the mapping's [levels] (parameters `$level_teams`, `$level_values` of `level_params`), else
    from level words in its name; NULL when neither says."""
    low = f"lower(trim({team}))"
    return (
        # nullif: the placeholder of an empty [levels] (level_params) is no level
        f"coalesce(nullif($level_values[list_position($level_teams, {low})], 0)::VARCHAR,"
        # every level word holds a digit 1-4 or an ordinal word: one cheap test first
        f" CASE WHEN regexp_matches({low}, '[1-4]|first|second|third') THEN coalesce("
        f" nullif(regexp_extract({low}, '{_NUMBERED}', 1), ''),"
        f" nullif(regexp_extract({low}, '{_ORDINAL}', 1), ''),"
        f" CASE WHEN regexp_matches({low}, '\\bfirst (line|level)\\b') THEN '1'"
        f" WHEN regexp_matches({low}, '\\bsecond (line|level)\\b') THEN '2'"
        f" WHEN regexp_matches({low}, '\\bthird (line|level)\\b') THEN '3' END) END)::TINYINT"
    )


def level_params(levels: dict[str, int]) -> dict[str, object]:
    """The parameters of `level_of` for the mapping's [levels] (team name in lower case ->
    level)."""
    levels = levels or {"": 0}  # DuckDB wants typed, non-empty lists
    return {"level_teams": list(levels), "level_values": list(levels.values())}
