package mail

import (
	"context"
	"sync"
	"time"
)

// Batcher is a Sender that gathers the messages of concurrent callers —
// each River worker sends one delivery, a batch worker fifty — into
// batches, and sends each batch over one connection of the inner Sender.
// A fan-out to thousands thus uses a few connections, a few at a time,
// instead of one per message. It is a Submitter: each caller is
// told each of its messages' outcome as soon as the server has answered,
// and the connection waits for the caller to record it before it sends
// the next message, so that at most one message per connection is sent
// but not yet recorded.
type Batcher struct {
	inner    Submitter
	maxBatch int
	linger   time.Duration
	reqs     chan Submission
	stop     chan struct{}
	wg       sync.WaitGroup
}

// NewBatcher starts conns senders, each sending up to maxBatch messages per
// connection, waiting at most linger for a batch to fill. Close stops them.
func NewBatcher(inner Sender, conns, maxBatch int, linger time.Duration) *Batcher {
	sub, ok := inner.(Submitter)
	if !ok {
		sub = reportAtEnd{inner}
	}
	b := &Batcher{inner: sub, maxBatch: maxBatch, linger: linger, reqs: make(chan Submission), stop: make(chan struct{})}
	for range conns {
		b.wg.Add(1)
		go b.loop()
	}
	return b
}

// Send queues each message for the next batch and waits for its outcome.
func (b *Batcher) Send(ctx context.Context, msgs []Message) []error {
	errs := make([]error, len(msgs))
	subs := make([]Submission, len(msgs))
	for i, m := range msgs {
		subs[i] = Submission{Msg: m, Ctx: ctx, Done: func(err error) { errs[i] = err }}
	}
	b.Submit(ctx, subs)
	return errs
}

// Submit queues each submission for the next batch and returns once each
// has been told its outcome; see Submitter. A submission that
// cannot join a batch before its context ends, or before the Batcher is
// closed, is told so and not sent.
func (b *Batcher) Submit(ctx context.Context, subs []Submission) {
	var wg sync.WaitGroup
	wg.Add(len(subs))
	for _, s := range subs {
		done := s.Done
		s.Done = func(err error) {
			defer wg.Done()
			done(err)
		}
		select {
		case b.reqs <- s:
		case <-ctx.Done():
			s.Done(&DeliveryError{MessageID: s.Msg.ID, Stage: StageConnect, Err: ctx.Err()})
		case <-s.Ctx.Done():
			s.Done(&DeliveryError{MessageID: s.Msg.ID, Stage: StageConnect, Err: s.Ctx.Err()})
		case <-b.stop:
			s.Done(&DeliveryError{MessageID: s.Msg.ID, Stage: StageConnect, Err: context.Canceled})
		}
	}
	wg.Wait()
}

// Close stops the senders after the batches in flight.
func (b *Batcher) Close() {
	close(b.stop)
	b.wg.Wait()
}

func (b *Batcher) loop() {
	defer b.wg.Done()
	for {
		var batch []Submission
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

// send delivers one batch. The connection's context ends when every
// caller's has: one caller giving up does not abort the others' messages
// (its own are not begun, or are cut off: see Submission).
func (b *Batcher) send(batch []Submission) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	defer close(done)
	go func() {
		for _, r := range batch {
			select {
			case <-r.Ctx.Done():
			case <-done:
				return
			}
		}
		cancel()
	}()
	b.inner.Submit(ctx, batch)
}

// reportAtEnd makes a plain Sender a Submitter that reports every outcome
// once the whole Send has returned.
type reportAtEnd struct{ Sender }

func (r reportAtEnd) Submit(ctx context.Context, subs []Submission) {
	Submit(ctx, r.Sender, subs)
}
