-- +goose Up
-- repeat: an attendee's going or waitlisted e-mail again, because a public
-- RSVP named their address again (store.noticeRepeat); its sequence counts
-- the repeats.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_kind_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_kind_check
    CHECK (kind IN ('going', 'waitlisted', 'updated', 'event_cancelled', 'rsvp_cancelled', 'reminder', 'reconfirm', 'thank_you', 'repeat'));

-- +goose Down
DELETE FROM deliveries WHERE kind = 'repeat';
ALTER TABLE deliveries DROP CONSTRAINT deliveries_kind_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_kind_check
    CHECK (kind IN ('going', 'waitlisted', 'updated', 'event_cancelled', 'rsvp_cancelled', 'reminder', 'reconfirm', 'thank_you'));
