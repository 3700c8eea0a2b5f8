-- +goose Up
-- Recurring series: a rule (RFC 5545 RRULE) from a first start, in a time
-- zone, whose next few occurrences exist as ordinary events of the series.
CREATE TABLE series (
    id                text PRIMARY KEY,
    group_id          text NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    slug              text NOT NULL UNIQUE,
    title             text NOT NULL,
    description       text NOT NULL DEFAULT '',
    kind              text NOT NULL CHECK (kind IN ('meetup', 'live_session')),
    rrule             text NOT NULL,
    -- The first occurrence, and the rule's wall-clock time in time_zone.
    starts_at         timestamptz NOT NULL,
    duration_seconds  integer NOT NULL CHECK (duration_seconds > 0),
    time_zone         text NOT NULL,
    online_url        text NOT NULL DEFAULT '',
    venue_name        text,
    venue_address     text,
    capacity          integer CHECK (capacity IS NULL OR capacity > 0),
    waitlist          boolean NOT NULL DEFAULT true,
    -- How many upcoming occurrences exist as events at any time.
    ahead             integer NOT NULL DEFAULT 4 CHECK (ahead BETWEEN 1 AND 52),
    -- Raised with every change of the rule or its occurrences (feed SEQUENCE).
    sequence          integer NOT NULL DEFAULT 0,
    created_by        text REFERENCES organisers(id) ON DELETE SET NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    ended_at          timestamptz
);
CREATE INDEX series_group ON series (group_id, id);

-- An occurrence is an event of a series. occurrence_start is the start the
-- rule gave it (the iCalendar RECURRENCE-ID); detached is set once an
-- organiser moved or cancelled that one occurrence, which then stops
-- following the rule.
ALTER TABLE events ADD COLUMN series_id text REFERENCES series(id) ON DELETE SET NULL;
ALTER TABLE events ADD COLUMN occurrence_start timestamptz;
ALTER TABLE events ADD COLUMN detached boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX events_series_occurrence ON events (series_id, occurrence_start) WHERE series_id IS NOT NULL;

-- +goose Down
DROP INDEX events_series_occurrence;
ALTER TABLE events DROP COLUMN detached;
ALTER TABLE events DROP COLUMN occurrence_start;
ALTER TABLE events DROP COLUMN series_id;
DROP TABLE series;
