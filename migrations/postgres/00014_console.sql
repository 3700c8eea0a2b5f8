-- +goose Up
-- The organiser console's ways in (domain/signin.go): sign-in links, the
-- sessions they start, and passkeys. Tokens are stored as SHA-256 hashes.
CREATE TABLE sign_in_links (
    id            text PRIMARY KEY,
    organiser_id  text NOT NULL REFERENCES organisers(id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz,
    -- queued: an e-mail is on its way; sent, failed: what became of it;
    -- printed: shown by `convene serve` or `convene organiser link`.
    mail_status   text NOT NULL CHECK (mail_status IN ('queued', 'sent', 'failed', 'printed')),
    last_error    text NOT NULL DEFAULT ''
);
CREATE INDEX sign_in_links_organiser ON sign_in_links (organiser_id, created_at);

-- A link's tokens: one is made each time its e-mail is composed, so the
-- raw token is never stored; any of them signs in once, for the link.
CREATE TABLE sign_in_tokens (
    token_hash  text PRIMARY KEY,
    link_id     text NOT NULL REFERENCES sign_in_links(id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL
);
CREATE INDEX sign_in_tokens_link ON sign_in_tokens (link_id);

CREATE TABLE sessions (
    id            text PRIMARY KEY,
    token_hash    text NOT NULL UNIQUE,
    organiser_id  text NOT NULL REFERENCES organisers(id) ON DELETE CASCADE,
    method        text NOT NULL CHECK (method IN ('link', 'passkey')),
    browser       text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL
);
CREATE INDEX sessions_organiser ON sessions (organiser_id, id);

-- credential is the WebAuthn library's record of the credential (JSON);
-- credential_id is its id, base64url, by which a sign-in finds it.
CREATE TABLE passkeys (
    id             text PRIMARY KEY,
    organiser_id   text NOT NULL REFERENCES organisers(id) ON DELETE CASCADE,
    name           text NOT NULL,
    credential_id  text NOT NULL UNIQUE,
    credential     text NOT NULL,
    created_at     timestamptz NOT NULL,
    last_used_at   timestamptz
);
CREATE INDEX passkeys_organiser ON passkeys (organiser_id, id);

-- A WebAuthn ceremony under way (adding a passkey, or signing in with
-- one): the challenge and what the library keeps between its two steps,
-- found by the hash of a token in a short-lived cookie.
CREATE TABLE passkey_ceremonies (
    token_hash    text PRIMARY KEY,
    organiser_id  text REFERENCES organisers(id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('register', 'sign_in')),
    data          text NOT NULL,
    expires_at    timestamptz NOT NULL
);

-- +goose Down
DROP TABLE passkey_ceremonies;
DROP TABLE passkeys;
DROP TABLE sessions;
DROP TABLE sign_in_tokens;
DROP TABLE sign_in_links;
