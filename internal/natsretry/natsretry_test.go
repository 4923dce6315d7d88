package natsretry

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func TestTransient(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{nats.ErrTimeout, true},
		{context.DeadlineExceeded, true}, // one attempt's own timeout
		{nats.ErrDisconnected, true},
		{nats.ErrConnectionReconnecting, true},
		{nats.ErrNoResponders, true},
		{jetstream.ErrAsyncPublishTimeout, true},
		{jetstream.ErrNoStreamResponse, true},
		{fmt.Errorf("publishing: %w", nats.ErrTimeout), true},
		{&jetstream.APIError{Code: 400, ErrorCode: 10060, Description: "expected stream does not match"}, false},
		{fmt.Errorf("publishing: %w", &jetstream.APIError{Code: 503}), false},
		{nats.ErrMaxPayload, false},
		{nats.ErrBadSubject, false},
		{nats.ErrConnectionClosed, false},
		{nats.ErrInvalidConnection, false},
		{context.Canceled, false},
		{errors.New("something else"), true},
	} {
		if got := Transient(tc.err); got != tc.want {
			t.Errorf("Transient(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	b := time.Duration(0)
	var got []time.Duration
	for range 7 {
		b = Backoff(b)
		got = append(got, b)
	}
	want := []time.Duration{BackoffMin, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond,
		1600 * time.Millisecond, BackoffMax, BackoffMax}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("backoffs %v, want %v", got, want)
		}
	}
}
