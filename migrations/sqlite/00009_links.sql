-- +goose Up
-- Door links: when door staff last used one (at most once a minute), and
-- who made it, so that the links of an organiser who leaves a group can be
-- found (they stop working: a link cannot outlast its maker's membership).
ALTER TABLE door_links ADD COLUMN last_used_at timestamp;
CREATE INDEX door_links_created_by ON door_links (created_by);

-- +goose Down
DROP INDEX door_links_created_by;
ALTER TABLE door_links DROP COLUMN last_used_at;
