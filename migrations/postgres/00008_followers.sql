-- +goose Up
-- People who follow a series: confirmed by e-mail (pending until then),
-- then either invited to each new occurrence (mode invite) or signed up
-- for it while seats last (mode rsvp). Unfollowed rows are kept so that a
-- one-click unfollow link stays answerable.
CREATE TABLE series_followers (
    id                 text PRIMARY KEY,
    series_id          text NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    name               text NOT NULL,
    email              text NOT NULL,
    email_norm         text NOT NULL,
    mode               text NOT NULL CHECK (mode IN ('invite', 'rsvp')),
    status             text NOT NULL CHECK (status IN ('pending', 'active', 'unfollowed')),
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    confirm_expires_at timestamptz,
    confirm_sent_at    timestamptz,
    confirmed_at       timestamptz,
    unfollowed_at      timestamptz
);
CREATE UNIQUE INDEX series_followers_email ON series_followers (series_id, email_norm);
CREATE INDEX series_followers_active ON series_followers (series_id, status);

-- Link tokens of followers, stored hashed: confirm (expires) and unfollow
-- (one per e-mail sent; never expires).
CREATE TABLE follower_tokens (
    token_hash   text PRIMARY KEY,
    follower_id  text NOT NULL REFERENCES series_followers(id) ON DELETE CASCADE,
    purpose      text NOT NULL CHECK (purpose IN ('confirm', 'unfollow')),
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz
);
CREATE INDEX follower_tokens_follower ON follower_tokens (follower_id);

-- What a follower was sent: invitations and RSVPs made for them carry the
-- follower, so their e-mails offer the one-click unfollow.
ALTER TABLE invitations ADD COLUMN follower_id text REFERENCES series_followers(id) ON DELETE SET NULL;
ALTER TABLE rsvps ADD COLUMN follower_id text REFERENCES series_followers(id) ON DELETE SET NULL;

-- +goose Down
ALTER TABLE rsvps DROP COLUMN follower_id;
ALTER TABLE invitations DROP COLUMN follower_id;
DROP TABLE follower_tokens;
DROP TABLE series_followers;
