-- +goose Up
-- Reminders: how long before the start the people going are reminded, as
-- a JSON list of ISO 8601 durations ("PT24H"). Events made before this
-- migration have none (no reminder jobs were ever scheduled for them); new
-- events get the default from the application.
ALTER TABLE events ADD COLUMN reminders text NOT NULL DEFAULT '[]';
-- Reconfirmation: the people going are asked 48 hours before the start to
-- confirm; the seats of those who do not go to the waitlist 12 hours before.
ALTER TABLE events ADD COLUMN reconfirm boolean NOT NULL DEFAULT false;
ALTER TABLE rsvps ADD COLUMN reconfirm_asked_at timestamptz;
ALTER TABLE rsvps ADD COLUMN reconfirmed_at timestamptz;

-- Reminders and reconfirmation requests are deliveries too. Their
-- sequence is the instant they are due (Unix seconds), so the 24 h and 1 h
-- reminders are distinct, a retried job adds nothing twice, and an event
-- that moved is reminded again for its new time.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_kind_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_kind_check
    CHECK (kind IN ('going', 'waitlisted', 'updated', 'event_cancelled', 'rsvp_cancelled', 'reminder', 'reconfirm'));
ALTER TABLE deliveries ALTER COLUMN sequence TYPE bigint;

-- +goose Down
ALTER TABLE deliveries ALTER COLUMN sequence TYPE integer;
DELETE FROM deliveries WHERE kind IN ('reminder', 'reconfirm');
ALTER TABLE deliveries DROP CONSTRAINT deliveries_kind_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_kind_check
    CHECK (kind IN ('going', 'waitlisted', 'updated', 'event_cancelled', 'rsvp_cancelled'));
ALTER TABLE rsvps DROP COLUMN reconfirmed_at;
ALTER TABLE rsvps DROP COLUMN reconfirm_asked_at;
ALTER TABLE events DROP COLUMN reconfirm;
ALTER TABLE events DROP COLUMN reminders;
