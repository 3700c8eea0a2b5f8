-- +goose Up
-- After the session: the recording's address, each speaker's slides, and
-- when attendees were last thanked (the periodic job thanks those who
-- came once an event is over, and again those recorded since).
ALTER TABLE events ADD COLUMN recording_url text NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN thanked_at timestamp;
-- Events that were over before this release are not thanked: nobody
-- expects an e-mail about a meetup of last year.
UPDATE events SET thanked_at = ends_at WHERE julianday(ends_at) <= julianday('now');
ALTER TABLE event_people ADD COLUMN slides_url text NOT NULL DEFAULT '';

-- SQLite cannot change a CHECK constraint: the table is rebuilt with the
-- new kind. Nothing references deliveries.
CREATE TABLE deliveries_new (
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
INSERT INTO deliveries_new (id, event_id, rsvp_id, kind, sequence, status, attempts, last_error, detail, created_at, updated_at, sent_at)
    SELECT id, event_id, rsvp_id, kind, sequence, status, attempts, last_error, detail, created_at, updated_at, sent_at FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_event ON deliveries (event_id, id);

-- One answer per attendee: sending again replaces it. Erasure empties the
-- comment and keeps the rating, which counts without saying whose it is.
CREATE TABLE feedback (
    rsvp_id     text PRIMARY KEY REFERENCES rsvps(id) ON DELETE CASCADE,
    event_id    text NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    rating      integer NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment     text NOT NULL DEFAULT '',
    created_at  timestamp NOT NULL,
    updated_at  timestamp NOT NULL
);
CREATE INDEX feedback_event ON feedback (event_id, updated_at);

-- +goose Down
DROP TABLE feedback;
CREATE TABLE deliveries_old (
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
INSERT INTO deliveries_old (id, event_id, rsvp_id, kind, sequence, status, attempts, last_error, detail, created_at, updated_at, sent_at)
    SELECT id, event_id, rsvp_id, kind, sequence, status, attempts, last_error, detail, created_at, updated_at, sent_at FROM deliveries
    WHERE kind <> 'thank_you';
DROP TABLE deliveries;
ALTER TABLE deliveries_old RENAME TO deliveries;
CREATE INDEX deliveries_event ON deliveries (event_id, id);
ALTER TABLE event_people DROP COLUMN slides_url;
ALTER TABLE events DROP COLUMN thanked_at;
ALTER TABLE events DROP COLUMN recording_url;
