package coordinator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoal-io/shoal/internal/natsretry"
)

// Following a job's results, and the advisories of tasks that ran out
// of deliveries, on a JetStream cluster.
//
// An ordered consumer is one replica in memory. When the server that
// holds it dies it has to be created again, and on a cluster that has
// just lost a server the creation can go unanswered for minutes: a job
// that lost a server then waited for results that were already stored.
// On a cluster the feeds therefore read through a consumer with as many
// replicas as the stream, made while every server is up; it
// survives the loss of a server as the stream does, and only its pull
// requests are sent again.
const (
	// feedAckWait is how long a delivered result may go unacknowledged
	// (lost with a connection) before the consumer sends it again. The
	// rounds drop a result they already have.
	feedAckWait = 10 * time.Second
	// feedHeartbeat is how often an idle pull request shows it is still
	// served; two missed ones make the client pull again, as after the
	// consumer's leader moved.
	feedHeartbeat = 2 * time.Second
	// feedInactive removes the consumer of a coordinator that died.
	feedInactive = 10 * time.Minute
)

// replicatedFeed delivers the messages of one subject of a replicated
// stream to handle, from the first, at least once each, in stream order
// except when one is sent again.
type replicatedFeed struct {
	js     jetstream.JetStream
	stream string
	cfg    jetstream.ConsumerConfig
	handle func(jetstream.Msg)
	log    *slog.Logger

	lost   chan struct{}   // the consumer was deleted: make it again
	ctx    context.Context // ends with Stop
	cancel context.CancelFunc
	done   chan struct{} // closed when watch returns

	mu   sync.Mutex
	cc   jetstream.ConsumeContext
	next uint64 // stream sequence after the last message handled
}

// followReplicated starts a replicatedFeed of subject on stream.
func followReplicated(ctx context.Context, js jetstream.JetStream, stream, subject string, replicas int,
	log *slog.Logger, handle func(jetstream.Msg)) (*replicatedFeed, error) {
	var id [6]byte
	_, _ = rand.Read(id[:])
	f := &replicatedFeed{
		js: js, stream: stream, handle: handle, log: log, next: 1,
		cfg: jetstream.ConsumerConfig{
			Durable:           "feed-" + hex.EncodeToString(id[:]),
			Description:       "a shoal coordinator reading " + subject,
			FilterSubject:     subject,
			DeliverPolicy:     jetstream.DeliverAllPolicy,
			AckPolicy:         jetstream.AckExplicitPolicy,
			AckWait:           feedAckWait,
			MaxDeliver:        -1,
			MaxAckPending:     -1,
			Replicas:          replicas,
			InactiveThreshold: feedInactive,
		},
		lost: make(chan struct{}, 1), done: make(chan struct{}),
	}
	if err := f.consume(ctx); err != nil {
		return nil, err
	}
	f.ctx, f.cancel = context.WithCancel(context.Background())
	go f.watch()
	return f, nil
}

// consume creates the consumer from f.next on and starts reading it. A
// cluster that is still electing leaders does not answer at once: that
// is tried again for up to natsretry.Window.
func (f *replicatedFeed) consume(ctx context.Context) error {
	f.mu.Lock()
	cfg := f.cfg
	if f.next > 1 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, f.next
	}
	f.mu.Unlock()
	var cons jetstream.Consumer
	err := natsretry.Do(ctx, func() (err error) {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		cons, err = f.js.CreateOrUpdateConsumer(cctx, f.stream, cfg)
		return err
	}, func(err error) {
		f.log.Warn("creating a consumer; trying again", "stream", f.stream, "consumer", cfg.Durable, "err", err)
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return fmt.Errorf("coordinator: consumer of %s on %s: %w", cfg.FilterSubject, f.stream, err)
	}
	cc, err := cons.Consume(f.deliver, jetstream.PullHeartbeat(feedHeartbeat), jetstream.PullExpiry(5*feedHeartbeat),
		jetstream.ConsumeErrHandler(f.consumeError))
	if err != nil {
		return fmt.Errorf("coordinator: reading %s on %s: %w", cfg.FilterSubject, f.stream, err)
	}
	f.mu.Lock()
	f.cc = cc
	f.mu.Unlock()
	return nil
}

func (f *replicatedFeed) deliver(m jetstream.Msg) {
	md, err := m.Metadata()
	if err == nil {
		f.mu.Lock()
		f.next = max(f.next, md.Sequence.Stream+1)
		f.mu.Unlock()
	}
	f.handle(m)
	_ = m.Ack() // a lost ack only means the message comes again
}

func (f *replicatedFeed) consumeError(_ jetstream.ConsumeContext, err error) {
	f.log.Warn("reading a stream", "stream", f.stream, "consumer", f.cfg.Durable, "err", err)
	if errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrConsumerNotFound) {
		select {
		case f.lost <- struct{}{}:
		default:
		}
	}
}

// watch makes the consumer again if it was deleted (it was inactive for
// feedInactive, or the cluster lost it), from the message after the last
// one handled.
func (f *replicatedFeed) watch() {
	defer close(f.done)
	for {
		select {
		case <-f.ctx.Done():
			return
		case <-f.lost:
		}
		f.mu.Lock()
		f.cc.Stop()
		f.mu.Unlock()
		// The feed is the job's only way to its results: it does not give
		// up while the job runs. The server can refuse the first attempt
		// ("consumer does not exist", 10149) while it still removes the
		// deleted consumer of the same name.
		for backoff := time.Duration(0); ; {
			err := f.consume(f.ctx)
			if err == nil || f.ctx.Err() != nil {
				break
			}
			backoff = natsretry.Backoff(backoff)
			f.log.Warn("a consumer was lost and could not be made again yet", "stream", f.stream, "err", err, "retry_in", backoff)
			select {
			case <-f.ctx.Done():
				return
			case <-time.After(backoff):
			}
		}
	}
}

// Stop stops reading and deletes the consumer.
func (f *replicatedFeed) Stop() {
	f.cancel()
	<-f.done
	f.mu.Lock()
	f.cc.Stop()
	f.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.js.DeleteConsumer(ctx, f.stream, f.cfg.Durable); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		f.log.Warn("deleting a consumer", "stream", f.stream, "consumer", f.cfg.Durable, "err", err)
	}
}
