-- +goose Up
-- The organisers' list of an event's people pages through its RSVPs in
-- the order they were made (by id), filtered or not: this index finds a
-- page of an event with thousands of replies without reading the rest.
CREATE INDEX rsvps_event_order ON rsvps (event_id, id);

-- +goose Down
DROP INDEX rsvps_event_order;
