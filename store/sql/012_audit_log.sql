-- Migration 12: the audit log, who changed what in the store and when (shown on the Data page).
-- Grain: one row per write a person made through the dashboard: `logged_at` (UTC), `who` (the signed-in
-- user, or `local` on a server without sign-in), `action` (upload, rename, delete, map, settings,
-- change, change removed), the data set's name then (kept when the data set is deleted), `detail`.
CREATE TABLE IF NOT EXISTS audit_log (
    logged_at TIMESTAMPTZ NOT NULL,
    who VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    dataset VARCHAR,
    detail VARCHAR
);
