-- +goose Up
-- Attendance: each RSVP has a short check-in code (printed under its QR
-- code), and once the person is in, when and how that was recorded.
-- Walk-ins are RSVPs made at the door: going, but holding no seat
-- (going_count counts the seats RSVPs hold, so it never passes capacity).
ALTER TABLE rsvps ADD COLUMN checkin_code text;
ALTER TABLE rsvps ADD COLUMN attended_at timestamptz;
ALTER TABLE rsvps ADD COLUMN attended_how text
    CHECK (attended_how IS NULL OR attended_how IN ('door', 'staff_link', 'self', 'online', 'bulk', 'walk_in'));
ALTER TABLE rsvps ADD COLUMN walk_in boolean NOT NULL DEFAULT false;
-- Whether the RSVP ever waited in line (for waitlist conversion).
ALTER TABLE rsvps ADD COLUMN was_waitlisted boolean NOT NULL DEFAULT false;
UPDATE rsvps SET was_waitlisted = (status = 'waitlisted');
CREATE UNIQUE INDEX rsvps_checkin_code ON rsvps (event_id, checkin_code) WHERE checkin_code IS NOT NULL;
CREATE INDEX rsvps_attended ON rsvps (event_id, attended_at);

-- Self check-in: the code shown in the room or the online session, and the
-- window in which it (and the online join link) records attendance.
ALTER TABLE events ADD COLUMN self_checkin_code text NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN checkin_opens_at timestamptz;
ALTER TABLE events ADD COLUMN checkin_closes_at timestamptz;

-- Door-staff links: a secret link to the door page of one event.
CREATE TABLE door_links (
    id          text PRIMARY KEY,
    event_id    text NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    token_hash  text NOT NULL UNIQUE,
    created_by  text REFERENCES organisers(id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX door_links_event ON door_links (event_id, id);

-- People with a role in an event: hosts (organisers of the group),
-- speakers and volunteers.
CREATE TABLE event_people (
    id            text PRIMARY KEY,
    event_id      text NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    role          text NOT NULL CHECK (role IN ('host', 'speaker', 'volunteer')),
    organiser_id  text REFERENCES organisers(id) ON DELETE SET NULL,
    name          text NOT NULL,
    email         text NOT NULL DEFAULT '',
    email_norm    text NOT NULL DEFAULT '',
    talk_title    text NOT NULL DEFAULT '',
    position      integer NOT NULL DEFAULT 0
);
CREATE INDEX event_people_event ON event_people (event_id, role, position);
CREATE INDEX event_people_email ON event_people (email_norm);
CREATE INDEX event_people_organiser ON event_people (organiser_id);

-- Contribution records derived from ended events: one per host, speaker,
-- volunteer and attendee who came. Counts are recomputed when the event's
-- numbers are corrected; revision and previous show that they were.
CREATE TABLE contributions (
    id                  text PRIMARY KEY,
    event_id            text NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    group_id            text NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    -- Who: an organiser, an event_people row or an RSVP.
    person_key          text NOT NULL,
    organiser_id        text REFERENCES organisers(id) ON DELETE SET NULL,
    rsvp_id             text REFERENCES rsvps(id) ON DELETE SET NULL,
    email_norm          text NOT NULL DEFAULT '',
    person_name         text NOT NULL,
    role                text NOT NULL CHECK (role IN ('host', 'speaker', 'volunteer', 'attendee')),
    activity_type       text NOT NULL,
    talk_title          text NOT NULL DEFAULT '',
    event_title         text NOT NULL,
    event_date          text NOT NULL,
    event_starts_at     timestamptz NOT NULL,
    group_name          text NOT NULL,
    event_url           text NOT NULL,
    registered          integer NOT NULL,
    attended_in_person  integer NOT NULL,
    attended_online     integer NOT NULL,
    attended_how        text NOT NULL DEFAULT '',
    revision            integer NOT NULL DEFAULT 1,
    previous            text NOT NULL DEFAULT '',
    verified_at         timestamptz NOT NULL,
    created_at          timestamptz NOT NULL,
    withdrawn_at        timestamptz,
    signature           text NOT NULL,
    UNIQUE (event_id, person_key, role)
);
CREATE INDEX contributions_group ON contributions (group_id, event_starts_at, id);
CREATE INDEX contributions_organiser ON contributions (organiser_id, event_starts_at, id);
CREATE INDEX contributions_email ON contributions (email_norm, event_starts_at, id);
ALTER TABLE events ADD COLUMN contributions_at timestamptz;
ALTER TABLE events ADD COLUMN attendance_changed_at timestamptz;

-- The server's Ed25519 signing key, made on first start and kept.
CREATE TABLE signing_keys (
    id           text PRIMARY KEY,
    public_key   text NOT NULL,
    private_key  text NOT NULL,
    created_at   timestamptz NOT NULL
);

-- +goose Down
DROP TABLE signing_keys;
ALTER TABLE events DROP COLUMN attendance_changed_at;
ALTER TABLE events DROP COLUMN contributions_at;
DROP TABLE contributions;
DROP TABLE event_people;
DROP TABLE door_links;
ALTER TABLE events DROP COLUMN checkin_closes_at;
ALTER TABLE events DROP COLUMN checkin_opens_at;
ALTER TABLE events DROP COLUMN self_checkin_code;
DROP INDEX rsvps_attended;
DROP INDEX rsvps_checkin_code;
ALTER TABLE rsvps DROP COLUMN was_waitlisted;
ALTER TABLE rsvps DROP COLUMN walk_in;
ALTER TABLE rsvps DROP COLUMN attended_how;
ALTER TABLE rsvps DROP COLUMN attended_at;
ALTER TABLE rsvps DROP COLUMN checkin_code;
