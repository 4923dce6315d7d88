// Package natsretry is the one policy the coordinator and the workers
// share for publishing to JetStream through a connection that may drop,
// and for requests that a cluster still electing its leaders may not
// answer yet: which errors are worth sending again, for how long, and how
// far apart.
// Both sides publish under a message id, so a copy the stream did store
// is deduplicated, as long as it is resent within the stream's
// deduplication window (two minutes, see Window).
package natsretry

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

const (
	// Window is how long a publish is retried before giving up. It stays
	// under the streams' two-minute deduplication window, so a message
	// the stream did store is not stored twice.
	Window = time.Minute
	// BackoffMin and BackoffMax bound the pause between two attempts;
	// the pause doubles from one to the other.
	BackoffMin = 100 * time.Millisecond
	BackoffMax = 2 * time.Second
)

// Transient reports whether a publish that failed with err may succeed if
// sent again: anything but the stream's own refusal (an API error), a
// message the connection can never carry, a closed connection or the
// caller's cancellation. Timeouts, lost acks, a disconnection and a
// stream that does not answer yet after a server restart are transient.
func Transient(err error) bool {
	if err == nil {
		return false
	}
	var apiErr *jetstream.APIError
	switch {
	case errors.As(err, &apiErr), errors.Is(err, nats.ErrMaxPayload), errors.Is(err, nats.ErrBadSubject),
		errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, nats.ErrInvalidConnection),
		errors.Is(err, context.Canceled):
		return false
	}
	return true
}

// Backoff returns the pause after one of backoff: twice as long, at most
// BackoffMax.
func Backoff(backoff time.Duration) time.Duration {
	return min(max(2*backoff, BackoffMin), BackoffMax)
}

// Do calls attempt until it returns nil or an error that is not
// Transient, ctx ends, or Window has passed since the first call. Between
// two calls it tells retrying of the error (when retrying is not nil) and
// waits the shared backoff. It returns attempt's last error.
func Do(ctx context.Context, attempt func() error, retrying func(err error)) error {
	start, backoff := time.Now(), BackoffMin
	for {
		err := attempt()
		if err == nil || ctx.Err() != nil || !Transient(err) || time.Since(start) > Window {
			return err
		}
		if retrying != nil {
			retrying(err)
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(backoff):
		}
		backoff = Backoff(backoff)
	}
}
