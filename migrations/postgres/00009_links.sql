-- +goose Up
-- Door links: when door staff last used one (at most once a minute), and
-- who made it, so that the links of an organiser who leaves a group can be
-- found (they stop working: a link cannot outlast its maker's membership).
ALTER TABLE door_links ADD COLUMN last_used_at timestamptz;
CREATE INDEX door_links_created_by ON door_links (created_by);

-- Event slugs are permanent once published (domain/slug.go): every slug an
-- event had published is kept here, unique across events and kept when the
-- event is deleted (an occurrence removed by a series change keeps its
-- slug for its series, which may make that date again).
CREATE TABLE event_slugs (
    slug        text PRIMARY KEY,
    event_id    text REFERENCES events(id) ON DELETE SET NULL,
    series_id   text REFERENCES series(id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX event_slugs_event ON event_slugs (event_id);
INSERT INTO event_slugs (slug, event_id, series_id, created_at)
    SELECT slug, id, series_id, COALESCE(published_at, created_at) FROM events WHERE status <> 'draft';

-- A draft's slug is a wish seen only by its own group (draft_slug, unique
-- within the group); events.slug holds 'unlisted:' and its id, which no
-- request can name, until it is published. slug_auto: the slug was made
-- from the title, not chosen, so publishing may pick a variant.
ALTER TABLE events ADD COLUMN draft_slug text;
ALTER TABLE events ADD COLUMN slug_auto boolean NOT NULL DEFAULT false;
UPDATE events SET draft_slug = slug, slug = 'unlisted:' || id WHERE status = 'draft';
CREATE UNIQUE INDEX events_draft_slug ON events (group_id, draft_slug);

-- +goose Down
-- Drafts take their wish back as their slug, with the end of their id
-- when another event has it meanwhile.
DROP INDEX events_draft_slug;
UPDATE events SET slug = CASE
    WHEN EXISTS (SELECT 1 FROM events o WHERE o.id <> events.id AND (o.slug = events.draft_slug OR o.draft_slug = events.draft_slug))
    THEN draft_slug || '-' || substr(id, 21)
    ELSE draft_slug END
WHERE status = 'draft';
ALTER TABLE events DROP COLUMN slug_auto;
ALTER TABLE events DROP COLUMN draft_slug;
DROP TABLE event_slugs;
DROP INDEX door_links_created_by;
ALTER TABLE door_links DROP COLUMN last_used_at;
