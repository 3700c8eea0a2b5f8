-- +goose Up
-- The console's home page counts each event's failed e-mails
-- (store.FindAttention); failures are few, so their own small index
-- finds them without reading an event's every delivery.
CREATE INDEX deliveries_failed ON deliveries (event_id) WHERE status = 'failed';

-- +goose Down
DROP INDEX deliveries_failed;
