package coordinator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoal-io/shoal/internal/natsretry"
	"github.com/shoal-io/shoal/internal/wire"
)

// ErrLeaseHeld is returned by NewService when another coordinator, with
// another data directory, runs on the same NATS account: two catalogs
// would dispatch into one task queue and purge each other's jobs.
var ErrLeaseHeld = errors.New("coordinator: another coordinator is running on this NATS account")

// The coordinator lease: one key in a KV bucket whose entries expire
// leaseTTL after their last write. The holder rewrites it every
// leaseRenew; a holder killed without a word frees it after leaseTTL,
// while a coordinator restarting on the same data directory (the same
// Options.Owner) takes it over at once.
const (
	leaseKey   = "lease"
	leaseTTL   = 15 * time.Second
	leaseRenew = leaseTTL / 3
)

// leaseHolder is the lease's value: who holds it, for the refusal message.
type leaseHolder struct {
	Owner   string `json:"owner"`
	DataDir string `json:"data_dir,omitempty"`
	Host    string `json:"host,omitempty"`
	PID     int    `json:"pid"`
}

// lease is a held coordinator lease, renewed until release.
type lease struct {
	kv   jetstream.KeyValue
	val  []byte
	log  *slog.Logger
	stop chan struct{}
	done chan struct{}

	mu  sync.Mutex // guards rev
	rev uint64
}

// leaseBucket creates or opens the lease bucket. A coordinator started
// with its JetStream cluster (Compose, a restart of every host) may ask
// before the servers have placed a replicated stream: the request times
// out, or finds no responders. Those are tried again, with the shared
// backoff, for up to natsretry.Window; a refusal by JetStream is final.
func leaseBucket(ctx context.Context, js jetstream.JetStream, replicas int, log *slog.Logger) (jetstream.KeyValue, error) {
	cfg := jetstream.KeyValueConfig{
		Bucket: wire.LeaseBucket, TTL: leaseTTL, History: 1, Storage: jetstream.FileStorage, Replicas: max(replicas, 1),
		Description: "the coordinator that owns shoal's task queue on this account",
	}
	var kv jetstream.KeyValue
	err := natsretry.Do(ctx, func() (err error) {
		kv, err = js.CreateOrUpdateKeyValue(ctx, cfg)
		return err
	}, func(err error) {
		log.Warn("JetStream did not answer yet (is it enabled on the servers?); trying again", "bucket", wire.LeaseBucket, "err", err)
	})
	return kv, err
}

// createLease writes the lease if no one holds it. A bucket just
// created on a cluster may not have elected its leader yet, so its first
// write finds no stream to answer; transient errors are tried again, as
// in leaseBucket; jetstream.ErrKeyExists, a refusal, is not. A write
// stored but not acknowledged comes back as that error holding our own
// value, which acquireLease takes over.
func createLease(ctx context.Context, kv jetstream.KeyValue, val []byte, log *slog.Logger) (uint64, error) {
	var rev uint64
	err := natsretry.Do(ctx, func() (err error) {
		rev, err = kv.Create(ctx, leaseKey, val)
		return err
	}, func(err error) {
		log.Warn("the lease bucket did not answer yet; trying again", "bucket", wire.LeaseBucket, "err", err)
	})
	return rev, err
}

// acquireLease takes the coordinator lease of nc's account for owner, or
// returns ErrLeaseHeld naming the coordinator that holds it.
func acquireLease(ctx context.Context, nc *nats.Conn, owner, dataDir string, replicas int, log *slog.Logger) (*lease, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("coordinator: jetstream: %w", err)
	}
	kv, err := leaseBucket(ctx, js, replicas, log)
	if err != nil {
		return nil, fmt.Errorf("coordinator: lease bucket %s: %w", wire.LeaseBucket, err)
	}
	host, _ := os.Hostname()
	val, _ := json.Marshal(leaseHolder{Owner: owner, DataDir: dataDir, Host: host, PID: os.Getpid()})
	l := &lease{kv: kv, val: val, log: log, stop: make(chan struct{}), done: make(chan struct{})}
	for attempt := 0; ; attempt++ {
		rev, err := createLease(ctx, kv, val, log)
		if err == nil {
			l.rev = rev
			break
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return nil, fmt.Errorf("coordinator: taking the lease: %w", err)
		}
		e, gerr := kv.Get(ctx, leaseKey)
		if errors.Is(gerr, jetstream.ErrKeyNotFound) && attempt < 3 {
			continue // expired or released in between
		}
		if gerr != nil {
			return nil, fmt.Errorf("coordinator: reading the lease: %w", gerr)
		}
		var h leaseHolder
		_ = json.Unmarshal(e.Value(), &h)
		if h.Owner != owner {
			return nil, fmt.Errorf("%w: pid %d on %s with data dir %s holds it; stop that one, or start this one on the same --data-dir (a coordinator killed without stopping frees it within %v)",
				ErrLeaseHeld, h.PID, h.Host, h.DataDir, leaseTTL)
		}
		// Our own data directory: a previous run of this coordinator
		// that was killed. Take over at once.
		rev, err = kv.Update(ctx, leaseKey, val, e.Revision())
		if err == nil {
			l.rev = rev
			break
		}
		if attempt >= 3 {
			return nil, fmt.Errorf("coordinator: taking over the lease: %w", err)
		}
	}
	go l.renew()
	return l, nil
}

// renew rewrites the lease every leaseRenew until release. If the lease
// was lost (not renewed for leaseTTL, e.g. cut off from the server) it is
// taken again when free.
func (l *lease) renew() {
	defer close(l.done)
	t := time.NewTicker(leaseRenew)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), leaseRenew)
		l.mu.Lock()
		rev, err := l.kv.Update(ctx, leaseKey, l.val, l.rev)
		if err != nil {
			if r, cerr := l.kv.Create(ctx, leaseKey, l.val); cerr == nil {
				rev, err = r, nil
			}
		}
		if err == nil {
			l.rev = rev
		}
		l.mu.Unlock()
		cancel()
		if err != nil {
			l.log.Error("renewing the coordinator lease", "err", err)
		}
	}
}

// release stops renewing and frees the lease for another coordinator.
func (l *lease) release() {
	close(l.stop)
	<-l.done
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.kv.Delete(ctx, leaseKey, jetstream.LastRevision(l.rev)); err != nil {
		l.log.Warn("releasing the coordinator lease", "err", err)
	}
}
