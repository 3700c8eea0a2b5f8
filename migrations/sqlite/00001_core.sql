-- +goose Up
CREATE TABLE organisers (
    id          text PRIMARY KEY,
    email       text NOT NULL,
    email_norm  text NOT NULL UNIQUE,
    name        text NOT NULL DEFAULT '',
    created_at  timestamp NOT NULL
);

CREATE TABLE api_tokens (
    id            text PRIMARY KEY,
    organiser_id  text NOT NULL REFERENCES organisers(id) ON DELETE CASCADE,
    name          text NOT NULL,
    token_hash    text NOT NULL UNIQUE,
    created_at    timestamp NOT NULL,
    expires_at    timestamp,
    last_used_at  timestamp,
    revoked_at    timestamp
);
CREATE INDEX api_tokens_organiser ON api_tokens (organiser_id, id);

CREATE TABLE groups (
    id             text PRIMARY KEY,
    slug           text NOT NULL UNIQUE,
    name           text NOT NULL,
    description    text NOT NULL DEFAULT '',
    time_zone      text NOT NULL,
    contact_email  text NOT NULL DEFAULT '',
    created_at     timestamp NOT NULL,
    updated_at     timestamp NOT NULL
);

CREATE TABLE group_members (
    group_id      text NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    organiser_id  text NOT NULL REFERENCES organisers(id) ON DELETE CASCADE,
    role          text NOT NULL CHECK (role IN ('owner', 'organiser')),
    created_at    timestamp NOT NULL,
    PRIMARY KEY (group_id, organiser_id)
);
CREATE INDEX group_members_organiser ON group_members (organiser_id, group_id);

CREATE TABLE events (
    id              text PRIMARY KEY,
    group_id        text NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    slug            text NOT NULL UNIQUE,
    title           text NOT NULL,
    description     text NOT NULL DEFAULT '',
    kind            text NOT NULL CHECK (kind IN ('meetup', 'live_session')),
    status          text NOT NULL CHECK (status IN ('draft', 'published', 'cancelled')),
    starts_at       timestamp NOT NULL,
    ends_at         timestamp NOT NULL,
    time_zone       text NOT NULL,
    venue_name      text,
    venue_address   text,
    online_url      text NOT NULL DEFAULT '',
    capacity        integer CHECK (capacity IS NULL OR capacity > 0),
    waitlist        boolean NOT NULL DEFAULT 1,
    rsvp_opens_at   timestamp,
    rsvp_closes_at  timestamp,
    cancel_reason   text NOT NULL DEFAULT '',
    going_count     integer NOT NULL DEFAULT 0,
    waitlist_count  integer NOT NULL DEFAULT 0,
    waitlist_seq    integer NOT NULL DEFAULT 0,
    created_at      timestamp NOT NULL,
    updated_at      timestamp NOT NULL,
    published_at    timestamp,
    cancelled_at    timestamp,
    CHECK (ends_at > starts_at),
    CHECK (going_count >= 0 AND waitlist_count >= 0),
    -- The database itself refuses more people going than there are seats.
    CHECK (capacity IS NULL OR going_count <= capacity)
);
CREATE INDEX events_group_starts ON events (group_id, starts_at, id);

CREATE TABLE rsvps (
    id                 text PRIMARY KEY,
    event_id           text NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    name               text NOT NULL,
    email              text NOT NULL,
    email_norm         text NOT NULL,
    status             text NOT NULL CHECK (status IN ('going', 'waitlisted', 'cancelled')),
    -- Order in line: taken from events.waitlist_seq when the RSVP joins the
    -- waitlist. Positions are the rank among those still waitlisted, so they
    -- never have gaps or duplicates.
    waitlist_seq       integer,
    manage_token_hash  text NOT NULL UNIQUE,
    created_at         timestamp NOT NULL,
    updated_at         timestamp NOT NULL,
    cancelled_at       timestamp,
    CHECK ((status = 'waitlisted') = (waitlist_seq IS NOT NULL))
);
-- One live RSVP per person and event.
CREATE UNIQUE INDEX rsvps_live_email ON rsvps (event_id, email_norm) WHERE status <> 'cancelled';
CREATE UNIQUE INDEX rsvps_waitlist_order ON rsvps (event_id, waitlist_seq) WHERE status = 'waitlisted';
CREATE INDEX rsvps_event_status ON rsvps (event_id, status, id);
CREATE INDEX rsvps_email ON rsvps (email_norm);

-- +goose Down
DROP TABLE rsvps;
DROP TABLE events;
DROP TABLE group_members;
DROP TABLE groups;
DROP TABLE api_tokens;
DROP TABLE organisers;
