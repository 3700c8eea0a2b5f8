-- +goose Up
-- Double opt-in: with 'email', a public RSVP waits in pending_rsvps, holding
-- no seat, until the link in the confirmation e-mail is followed.
ALTER TABLE events ADD COLUMN rsvp_confirmation text NOT NULL DEFAULT 'none'
    CHECK (rsvp_confirmation IN ('none', 'email'));

-- An attendee may have their name and address erased; the RSVP still
-- counts.
ALTER TABLE rsvps ADD COLUMN erased_at timestamptz;

CREATE TABLE pending_rsvps (
    id            text PRIMARY KEY,
    event_id      text NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    name          text NOT NULL,
    email         text NOT NULL,
    email_norm    text NOT NULL,
    -- The confirmation e-mail: queued, sent, or failed for good.
    mail_status   text NOT NULL CHECK (mail_status IN ('queued', 'sent', 'failed')),
    last_error    text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    confirmed_at  timestamptz,
    rsvp_id       text REFERENCES rsvps(id) ON DELETE SET NULL,
    UNIQUE (event_id, email_norm)
);
CREATE INDEX pending_rsvps_expires ON pending_rsvps (expires_at);

-- Each confirmation e-mail carries a fresh link; only its hash is kept.
CREATE TABLE pending_tokens (
    token_hash  text PRIMARY KEY,
    pending_id  text NOT NULL REFERENCES pending_rsvps(id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL
);
CREATE INDEX pending_tokens_pending ON pending_tokens (pending_id);

CREATE TABLE invitations (
    id            text PRIMARY KEY,
    event_id      text NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    invited_by    text REFERENCES organisers(id) ON DELETE SET NULL,
    name          text NOT NULL DEFAULT '',
    email         text NOT NULL,
    email_norm    text NOT NULL,
    message       text NOT NULL DEFAULT '',
    status        text NOT NULL CHECK (status IN ('queued', 'sent', 'bounced', 'accepted', 'declined')),
    rsvp_id       text REFERENCES rsvps(id) ON DELETE SET NULL,
    attempts      integer NOT NULL DEFAULT 0,
    last_error    text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    sent_at       timestamptz,
    responded_at  timestamptz,
    -- Inviting the same address twice sends one invitation.
    UNIQUE (event_id, email_norm)
);
CREATE INDEX invitations_event ON invitations (event_id, id);
CREATE INDEX invitations_rsvp ON invitations (rsvp_id);

CREATE TABLE invitation_tokens (
    token_hash     text PRIMARY KEY,
    invitation_id  text NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL
);
CREATE INDEX invitation_tokens_invitation ON invitation_tokens (invitation_id);

-- +goose Down
DROP TABLE invitation_tokens;
DROP TABLE invitations;
DROP TABLE pending_tokens;
DROP TABLE pending_rsvps;
ALTER TABLE rsvps DROP COLUMN erased_at;
ALTER TABLE events DROP COLUMN rsvp_confirmation;
