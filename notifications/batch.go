package notifications

import (
	"context"
	"sync"
	"time"

	"github.com/convene/convene/notifications/message"
)

// Batcher is a Sender that gathers the messages of concurrent callers —
// each River worker sends one delivery — into batches, and sends each batch
// over one connection of the inner Sender. A fan-out to thousands thus
// uses a few connections, a few at a time, instead of one per message.
type Batcher struct {
	inner    message.Sender
	maxBatch int
	linger   time.Duration
	reqs     chan batchReq
	stop     chan struct{}
	wg       sync.WaitGroup
}

type batchReq struct {
	ctx  context.Context
	msg  message.Message
	resp chan error
}

// NewBatcher starts conns senders, each sending up to maxBatch messages per
// connection, waiting at most linger for a batch to fill. Close stops them.
func NewBatcher(inner message.Sender, conns, maxBatch int, linger time.Duration) *Batcher {
	b := &Batcher{inner: inner, maxBatch: maxBatch, linger: linger, reqs: make(chan batchReq), stop: make(chan struct{})}
	for range conns {
		b.wg.Add(1)
		go b.loop()
	}
	return b
}

// Send queues each message for the next batch and waits for its outcome.
func (b *Batcher) Send(ctx context.Context, msgs []message.Message) []error {
	errs := make([]error, len(msgs))
	resps := make([]chan error, len(msgs))
	for i, m := range msgs {
		resps[i] = make(chan error, 1)
		select {
		case b.reqs <- batchReq{ctx: ctx, msg: m, resp: resps[i]}:
		case <-ctx.Done():
			resps[i] <- ctx.Err()
		case <-b.stop:
			resps[i] <- context.Canceled
		}
	}
	for i, r := range resps {
		errs[i] = <-r
	}
	return errs
}

// Close stops the senders after the batches in flight.
func (b *Batcher) Close() {
	close(b.stop)
	b.wg.Wait()
}

func (b *Batcher) loop() {
	defer b.wg.Done()
	for {
		var batch []batchReq
		select {
		case r := <-b.reqs:
			batch = append(batch, r)
		case <-b.stop:
			return
		}
		timer := time.NewTimer(b.linger)
	fill:
		for len(batch) < b.maxBatch {
			select {
			case r := <-b.reqs:
				batch = append(batch, r)
			case <-timer.C:
				break fill
			}
		}
		timer.Stop()
		b.send(batch)
	}
}

// send delivers one batch. The batch's context ends when every caller's
// has: one caller giving up does not abort the others' messages.
func (b *Batcher) send(batch []batchReq) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	defer close(done)
	go func() {
		for _, r := range batch {
			select {
			case <-r.ctx.Done():
			case <-done:
				return
			}
		}
		cancel()
	}()
	msgs := make([]message.Message, len(batch))
	for i, r := range batch {
		msgs[i] = r.msg
	}
	errs := b.inner.Send(ctx, msgs)
	for i, r := range batch {
		r.resp <- errs[i]
	}
}
