-- +goose Up
-- repeat: an attendee's going or waitlisted e-mail again, because a public
-- RSVP named their address again (store.noticeRepeat); its sequence counts
-- the repeats. SQLite cannot change a CHECK constraint: the table is
-- rebuilt with the new kind. Nothing references deliveries.
CREATE TABLE deliveries_new (
    id           text PRIMARY KEY,
    event_id     text NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    rsvp_id      text NOT NULL REFERENCES rsvps(id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('going', 'waitlisted', 'updated', 'event_cancelled', 'rsvp_cancelled', 'reminder', 'reconfirm', 'thank_you', 'repeat')),
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
INSERT INTO deliveries_new (id, event_id, rsvp_id, kind, sequence, status, attempts, last_error, detail, created_at, updated_at, sent_at)
    SELECT id, event_id, rsvp_id, kind, sequence, status, attempts, last_error, detail, created_at, updated_at, sent_at FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_event ON deliveries (event_id, id);

-- +goose Down
CREATE TABLE deliveries_old (
    id           text PRIMARY KEY,
    event_id     text NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    rsvp_id      text NOT NULL REFERENCES rsvps(id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('going', 'waitlisted', 'updated', 'event_cancelled', 'rsvp_cancelled', 'reminder', 'reconfirm', 'thank_you')),
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
INSERT INTO deliveries_old (id, event_id, rsvp_id, kind, sequence, status, attempts, last_error, detail, created_at, updated_at, sent_at)
    SELECT id, event_id, rsvp_id, kind, sequence, status, attempts, last_error, detail, created_at, updated_at, sent_at FROM deliveries WHERE kind <> 'repeat';
DROP TABLE deliveries;
ALTER TABLE deliveries_old RENAME TO deliveries;
CREATE INDEX deliveries_event ON deliveries (event_id, id);
