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

// flakyKV fails Create fails times with err, then succeeds with
// revision 7; every other method is the nil interface's (never called).
type flakyKV struct {
	jetstream.KeyValue
	fails, calls int
	err          error
}

func (f *flakyKV) Create(ctx context.Context, key string, value []byte, opts ...jetstream.KVCreateOpt) (uint64, error) {
	f.calls++
	if f.calls <= f.fails {
		return 0, f.err
	}
	return 7, nil
}

// TestCreateLeaseRetries checks that the first write to a bucket whose
// replicated stream has no leader yet ("no response from stream", as a
// three-node cluster answers right after it was formed) is sent again,
// while a lease someone holds and a refusal by JetStream come back at
// once.
func TestCreateLeaseRetries(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	refused := &jetstream.APIError{Code: 503, ErrorCode: 10077, Description: "jetstream not enabled"}
	for _, tc := range []struct {
		name      string
		err       error
		fails     int
		wantCalls int
		wantErr   bool
	}{
		{"no leader yet", jetstream.ErrNoStreamResponse, 2, 3, false},
		{"held", jetstream.ErrKeyExists, 3, 1, true},
		{"refused", refused, 3, 1, true},
		{"written at once", nil, 0, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kv := &flakyKV{fails: tc.fails, err: tc.err}
			rev, err := createLease(context.Background(), kv, []byte("{}"), log)
			if (err != nil) != tc.wantErr || kv.calls != tc.wantCalls {
				t.Errorf("err %v after %d calls; want error %v after %d", err, kv.calls, tc.wantErr, tc.wantCalls)
			}
			if tc.wantErr && !errors.Is(err, tc.err) {
				t.Errorf("err %v does not wrap %v", err, tc.err)
			}
			if !tc.wantErr && rev != 7 {
				t.Errorf("revision %d, want 7", rev)
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		kv := &flakyKV{fails: 1 << 30, err: jetstream.ErrNoStreamResponse}
		cancel()
		if _, err := createLease(ctx, kv, []byte("{}"), log); err == nil || kv.calls != 1 {
			t.Errorf("cancelled: err %v after %d calls, want an error after 1", err, kv.calls)
		}
	})
}
