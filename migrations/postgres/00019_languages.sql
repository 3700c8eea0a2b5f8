-- +goose Up
-- Languages (domain/language.go, docs/languages.md). A group speaks its
-- locale (a BCP 47 tag of Convene's languages; '' is English); an event
-- may speak another ('' keeps the group's). An RSVP, and a reply waiting
-- for its confirmation, keep the language of the page the attendee
-- replied on ('' for replies made otherwise), so that their e-mails and
-- invites speak it; a series' follower that of the page they followed on. The list of languages is the code's, not a CHECK:
-- a language added later needs no migration.
ALTER TABLE groups ADD COLUMN locale text NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN locale text NOT NULL DEFAULT '';
ALTER TABLE rsvps ADD COLUMN locale text NOT NULL DEFAULT '';
ALTER TABLE pending_rsvps ADD COLUMN locale text NOT NULL DEFAULT '';
ALTER TABLE series_followers ADD COLUMN locale text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE series_followers DROP COLUMN locale;
ALTER TABLE pending_rsvps DROP COLUMN locale;
ALTER TABLE rsvps DROP COLUMN locale;
ALTER TABLE events DROP COLUMN locale;
ALTER TABLE groups DROP COLUMN locale;
