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

func TestDo(t *testing.T) {
	refused := &jetstream.APIError{Code: 400, ErrorCode: 10071, Description: "wrong last sequence"}
	for _, tc := range []struct {
		name      string
		errs      []error // what the attempts return, in turn; nil after the last
		wantCalls int
		want      error
	}{
		{"at once", nil, 1, nil},
		{"after two timeouts", []error{nats.ErrTimeout, jetstream.ErrNoStreamResponse}, 3, nil},
		{"refused", []error{nats.ErrTimeout, refused}, 2, refused},
		{"connection closed", []error{nats.ErrConnectionClosed}, 1, nats.ErrConnectionClosed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls, told := 0, 0
			err := Do(context.Background(), func() error {
				calls++
				if calls <= len(tc.errs) {
					return tc.errs[calls-1]
				}
				return nil
			}, func(error) { told++ })
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) || calls != tc.wantCalls || told != calls-1 {
				t.Errorf("err %v after %d calls and %d retries told; want %v after %d", err, calls, told, tc.want, tc.wantCalls)
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		err := Do(ctx, func() error { calls++; cancel(); return nats.ErrTimeout }, nil)
		if !errors.Is(err, nats.ErrTimeout) || calls != 1 {
			t.Errorf("cancelled: err %v after %d calls, want the timeout after 1", err, calls)
		}
	})
}
