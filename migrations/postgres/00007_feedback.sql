-- +goose Up
-- After the session: the recording's address, each speaker's slides, and
-- when attendees were last thanked (the periodic job thanks those who
-- came once an event is over, and again those recorded since).
ALTER TABLE events ADD COLUMN recording_url text NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN thanked_at timestamptz;
-- Events that were over before this release are not thanked: nobody
-- expects an e-mail about a meetup of last year.
UPDATE events SET thanked_at = ends_at WHERE ends_at <= CURRENT_TIMESTAMP;
ALTER TABLE event_people ADD COLUMN slides_url text NOT NULL DEFAULT '';

ALTER TABLE deliveries DROP CONSTRAINT deliveries_kind_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_kind_check
    CHECK (kind IN ('going', 'waitlisted', 'updated', 'event_cancelled', 'rsvp_cancelled', 'reminder', 'reconfirm', 'thank_you'));

-- One answer per attendee: sending again replaces it. Erasure empties the
-- comment and keeps the rating, which counts without saying whose it is.
CREATE TABLE feedback (
    rsvp_id     text PRIMARY KEY REFERENCES rsvps(id) ON DELETE CASCADE,
    event_id    text NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    rating      integer NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment     text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX feedback_event ON feedback (event_id, updated_at);

-- +goose Down
DROP TABLE feedback;
DELETE FROM deliveries WHERE kind = 'thank_you';
ALTER TABLE deliveries DROP CONSTRAINT deliveries_kind_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_kind_check
    CHECK (kind IN ('going', 'waitlisted', 'updated', 'event_cancelled', 'rsvp_cancelled', 'reminder', 'reconfirm'));
ALTER TABLE event_people DROP COLUMN slides_url;
ALTER TABLE events DROP COLUMN thanked_at;
ALTER TABLE events DROP COLUMN recording_url;
