-- +goose Up
-- Reminders: how long before the start the people going are reminded, as
-- a JSON list of ISO 8601 durations ("PT24H"). Events made before this
-- migration have none (no reminder jobs were ever scheduled for them); new
-- events get the default from the application.
ALTER TABLE events ADD COLUMN reminders text NOT NULL DEFAULT '[]';
-- Reconfirmation: the people going are asked 48 hours before the start to
-- confirm; the seats of those who do not go to the waitlist 12 hours before.
ALTER TABLE events ADD COLUMN reconfirm boolean NOT NULL DEFAULT 0;
ALTER TABLE rsvps ADD COLUMN reconfirm_asked_at timestamp;
ALTER TABLE rsvps ADD COLUMN reconfirmed_at timestamp;

-- Reminders and reconfirmation requests are deliveries too. Their
-- sequence is the instant they are due (Unix seconds; SQLite integers are
-- 64-bit). SQLite cannot change a CHECK constraint: the table is rebuilt
-- (nothing references it).
CREATE TABLE deliveries_new (
    id           text PRIMARY KEY,
    event_id     text NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    rsvp_id      text NOT NULL REFERENCES rsvps(id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('going', 'waitlisted', 'updated', 'event_cancelled', 'rsvp_cancelled', 'reminder', 'reconfirm')),
    sequence     integer NOT NULL,
    status       text NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'skipped')),
    attempts     integer NOT NULL DEFAULT 0,
    last_error   text NOT NULL DEFAULT '',
    detail       text NOT NULL DEFAULT '',
    created_at   timestamp NOT NULL,
    updated_at   timestamp NOT NULL,
    sent_at      timestamp,
    UNIQUE (rsvp_id, kind, sequence)
);
INSERT INTO deliveries_new SELECT id, event_id, rsvp_id, kind, sequence, status, attempts, last_error, detail, created_at, updated_at, sent_at FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_event ON deliveries (event_id, id);

-- +goose Down
DELETE FROM deliveries WHERE kind IN ('reminder', 'reconfirm');
CREATE TABLE deliveries_old (
    id           text PRIMARY KEY,
    event_id     text NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    rsvp_id      text NOT NULL REFERENCES rsvps(id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('going', 'waitlisted', 'updated', 'event_cancelled', 'rsvp_cancelled')),
    sequence     integer NOT NULL,
    status       text NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'skipped')),
    attempts     integer NOT NULL DEFAULT 0,
    last_error   text NOT NULL DEFAULT '',
    detail       text NOT NULL DEFAULT '',
    created_at   timestamp NOT NULL,
    updated_at   timestamp NOT NULL,
    sent_at      timestamp,
    UNIQUE (rsvp_id, kind, sequence)
);
INSERT INTO deliveries_old SELECT id, event_id, rsvp_id, kind, sequence, status, attempts, last_error, detail, created_at, updated_at, sent_at FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_old RENAME TO deliveries;
CREATE INDEX deliveries_event ON deliveries (event_id, id);
ALTER TABLE rsvps DROP COLUMN reconfirmed_at;
ALTER TABLE rsvps DROP COLUMN reconfirm_asked_at;
ALTER TABLE events DROP COLUMN reconfirm;
ALTER TABLE events DROP COLUMN reminders;
