-- +goose Up
-- Calendar replies (domain/replies.go). Each RSVP has one reply address,
-- reply+<reply token>@<inbound domain>, the ORGANIZER of its invites when
-- inbound mail is configured; only the token's hash is kept, to find the
-- RSVP a reply arrives for. It is filled when the RSVP's first e-mail is
-- prepared. The last answer a calendar sent is kept with where it came
-- from, for the organisers' lists and the attendee's page.
ALTER TABLE rsvps ADD COLUMN reply_token_hash text;
CREATE UNIQUE INDEX rsvps_reply_token ON rsvps (reply_token_hash);
ALTER TABLE rsvps ADD COLUMN calendar_reply text CHECK (calendar_reply IN ('accepted', 'tentative', 'declined'));
ALTER TABLE rsvps ADD COLUMN calendar_reply_client text;
ALTER TABLE rsvps ADD COLUMN calendar_reply_via text;
ALTER TABLE rsvps ADD COLUMN calendar_reply_sequence integer;
ALTER TABLE rsvps ADD COLUMN calendar_reply_stamp timestamp;
ALTER TABLE rsvps ADD COLUMN calendar_reply_at timestamp;

-- +goose Down
ALTER TABLE rsvps DROP COLUMN calendar_reply_at;
ALTER TABLE rsvps DROP COLUMN calendar_reply_stamp;
ALTER TABLE rsvps DROP COLUMN calendar_reply_sequence;
ALTER TABLE rsvps DROP COLUMN calendar_reply_via;
ALTER TABLE rsvps DROP COLUMN calendar_reply_client;
ALTER TABLE rsvps DROP COLUMN calendar_reply;
DROP INDEX rsvps_reply_token;
ALTER TABLE rsvps DROP COLUMN reply_token_hash;
