-- +goose Up
-- A door link's label says whose it is ("Front desk", "Anna's phone"), so
-- that organisers know which one to revoke.
ALTER TABLE door_links ADD COLUMN label text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE door_links DROP COLUMN label;
