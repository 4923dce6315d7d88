package coordinator

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
)

// flakyJS fails CreateOrUpdateKeyValue fails times with err, then
// succeeds; every other method is the nil interface's (never called).
type flakyJS struct {
	jetstream.JetStream
	fails, calls int
	err          error
}

func (f *flakyJS) CreateOrUpdateKeyValue(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	f.calls++
	if f.calls <= f.fails {
		return nil, f.err
	}
	return nil, nil
}

// TestLeaseBucketRetries checks the retry policy of leaseBucket: a
// request that timed out or found no responders (a cluster still placing
// streams) is sent again, a refusal by JetStream is not, and a cancelled
// context ends the wait.
func TestLeaseBucketRetries(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	refused := &jetstream.APIError{Code: 400, ErrorCode: 10058, Description: "stream name already in use with a different configuration"}
	for _, tc := range []struct {
		name      string
		err       error
		fails     int
		wantCalls int
		wantErr   bool
	}{
		{"timeouts then ready", context.DeadlineExceeded, 2, 3, false},
		{"refused", refused, 5, 1, true},
		{"ready at once", nil, 0, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			js := &flakyJS{fails: tc.fails, err: tc.err}
			_, err := leaseBucket(context.Background(), js, 3, log)
			if (err != nil) != tc.wantErr || js.calls != tc.wantCalls {
				t.Errorf("err %v after %d calls; want error %v after %d", err, js.calls, tc.wantErr, tc.wantCalls)
			}
			if tc.wantErr && !errors.Is(err, tc.err) {
				t.Errorf("err %v does not wrap %v", err, tc.err)
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		js := &flakyJS{fails: 1 << 30, err: context.DeadlineExceeded}
		cancel()
		if _, err := leaseBucket(ctx, js, 3, log); err == nil || js.calls != 1 {
			t.Errorf("cancelled: err %v after %d calls, want an error after 1", err, js.calls)
		}
	})
}
