-- +goose Up
-- Each manage token (the one an RSVP call hands back, in rsvps, and each
-- one minted for an e-mail, in rsvp_tokens) has a feed token and a join
-- token that do one job each (domain/links.go); their hashes are kept next
-- to it. Rows made before this migration get theirs when their manage
-- token is next used, since only the hash of the manage token is known.
ALTER TABLE rsvps ADD COLUMN feed_token_hash text;
ALTER TABLE rsvps ADD COLUMN join_token_hash text;
CREATE UNIQUE INDEX rsvps_feed_token ON rsvps (feed_token_hash);
CREATE UNIQUE INDEX rsvps_join_token ON rsvps (join_token_hash);
ALTER TABLE rsvp_tokens ADD COLUMN feed_hash text;
ALTER TABLE rsvp_tokens ADD COLUMN join_hash text;
CREATE UNIQUE INDEX rsvp_tokens_feed ON rsvp_tokens (feed_hash);
CREATE UNIQUE INDEX rsvp_tokens_join ON rsvp_tokens (join_hash);

-- +goose Down
DROP INDEX rsvp_tokens_join;
DROP INDEX rsvp_tokens_feed;
ALTER TABLE rsvp_tokens DROP COLUMN join_hash;
ALTER TABLE rsvp_tokens DROP COLUMN feed_hash;
DROP INDEX rsvps_join_token;
DROP INDEX rsvps_feed_token;
ALTER TABLE rsvps DROP COLUMN join_token_hash;
ALTER TABLE rsvps DROP COLUMN feed_token_hash;
