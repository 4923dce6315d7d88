package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// mustOpenStore opens a fresh store in t.TempDir() without fsync and, at
// cleanup, runs Check and closes it. A store closed by the test itself
// (see reopen) is skipped at cleanup.
func mustOpenStore(t testing.TB) *Store {
	t.Helper()
	return mustOpenPath(t, filepath.Join(t.TempDir(), "shoal.db"))
}

func mustOpenPath(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		err := s.Check()
		if errors.Is(err, berrors.ErrDatabaseNotOpen) {
			return
		}
		if err != nil {
			t.Errorf("Check at cleanup: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close at cleanup: %v", err)
		}
	})
	return s
}

// reopen checks, closes and reopens s, as a restarted coordinator would.
func reopen(t testing.TB, s *Store) *Store {
	t.Helper()
	if err := s.Check(); err != nil {
		t.Fatalf("Check before reopen: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return mustOpenPath(t, s.Path())
}

// openAsync runs Open in a goroutine and fails the test if it does not
// return within a generous bound: the point is that it returns at all,
// where bbolt's default would block forever.
func openAsync(t *testing.T, path string, opts Options) (*Store, error, time.Duration) {
	t.Helper()
	type res struct {
		s   *Store
		err error
		d   time.Duration
	}
	ch := make(chan res, 1)
	go func() {
		start := time.Now()
		s, err := Open(path, opts)
		ch <- res{s, err, time.Since(start)}
	}()
	select {
	case r := <-ch:
		return r.s, r.err, r.d
	case <-time.After(30 * time.Second):
		t.Fatalf("Open(%s, %+v) still blocked after 30s", path, opts)
		return nil, nil, 0
	}
}

func TestOpenEmptyIsConsistent(t *testing.T) {
	s := mustOpenStore(t)
	jobs, err := s.Jobs()
	if err != nil || len(jobs) != 0 {
		t.Fatalf("Jobs on a new store = %v, %v; want none", jobs, err)
	}
	if err := s.Check(); err != nil {
		t.Fatalf("Check on a new store: %v", err)
	}
}

func TestOpenLocked(t *testing.T) {
	s := mustOpenStore(t)
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"short timeout", Options{Timeout: 100 * time.Millisecond}},
		{"negative timeout tries once", Options{Timeout: -1}},
		{"zero means one second", Options{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Logf("case %+v", tc)
			s2, err, d := openAsync(t, s.Path(), tc.opts)
			if err == nil {
				s2.Close()
				t.Fatalf("second Open succeeded while the first holds the lock")
			}
			if !errors.Is(err, ErrLocked) {
				t.Fatalf("err = %v, want ErrLocked", err)
			}
			if !strings.Contains(err.Error(), s.Path()) {
				t.Fatalf("err %q does not name %s", err, s.Path())
			}
			t.Logf("failed after %v: %v", d, err)
		})
	}
	// Once the holder closes, the file opens again.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err, _ := openAsync(t, s.Path(), Options{Timeout: 100 * time.Millisecond, NoSync: true})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	s2.Close()
}

func TestOpenErrorsNamePath(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("not a bolt file\n", 512)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		filepath.Join(dir, "missing", "dir", "shoal.db"),
		garbage,
	} {
		t.Logf("path %s", path)
		s, err := Open(path, Options{Timeout: 100 * time.Millisecond})
		if err == nil {
			s.Close()
			t.Fatalf("Open(%s) succeeded", path)
		}
		if errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path) {
			t.Fatalf("Open(%s) = %v; want an error naming the path, not ErrLocked", path, err)
		}
	}
}

func TestClosedStore(t *testing.T) {
	s := mustOpenStore(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateJob("a", nil); err == nil {
		t.Fatal("CreateJob on a closed store succeeded")
	}
	if _, err := s.Jobs(); err == nil {
		t.Fatal("Jobs on a closed store succeeded")
	}
}

func TestReopenPersistsEverything(t *testing.T) {
	s := mustOpenStore(t)
	if _, err := s.CreateJob("j1", []byte(`{"algorithm":"fasterpam","k":3}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateJob("j2", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Transition("j1", StateRunning, "scheduled"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetProgress("j1", []byte(`{"round":2}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Transition("j2", StateCancelled, "user"); err != nil {
		t.Fatal(err)
	}
	if err := s.PutCheckpoint("j1", "centres", 2, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutModel("j1", []byte(`{"k":3}`)); err != nil {
		t.Fatal(err)
	}
	before, err := s.Jobs()
	if err != nil {
		t.Fatal(err)
	}

	s = reopen(t, s)

	after, err := s.Jobs()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprintf("%+v", deref(after)), fmt.Sprintf("%+v", deref(before)); got != want {
		t.Fatalf("jobs after reopen\n got %s\nwant %s", got, want)
	}
	running, err := s.JobsInState(StateRunning)
	if err != nil || len(running) != 1 || running[0].ID != "j1" {
		t.Fatalf("JobsInState(running) = %v, %v; want [j1]", deref(running), err)
	}
	if string(running[0].Progress) != `{"round":2}` {
		t.Fatalf("progress = %s", running[0].Progress)
	}
	seq, data, err := s.Checkpoint("j1", "centres")
	if err != nil || seq != 2 || string(data) != "\x01\x02\x03" {
		t.Fatalf("Checkpoint = %d, %v, %v; want 2, [1 2 3]", seq, data, err)
	}
	if m, err := s.Model("j1"); err != nil || string(m) != `{"k":3}` {
		t.Fatalf("Model = %q, %v", m, err)
	}
	if err := s.PutCheckpoint("j1", "centres", 1, nil); !errors.Is(err, ErrStaleCheckpoint) {
		t.Fatalf("stale put after reopen: %v", err)
	}
}

func deref(js []*Job) []Job {
	out := make([]Job, len(js))
	for i, j := range js {
		out[i] = *j
	}
	return out
}

func TestCheckFindsCatalogDamage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shoal.db")
	s, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateJob("ok", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Damage the catalog behind the package's back: an orphaned model, an
	// orphaned checkpoint bucket, a job whose history skips a state and a
	// record that is not JSON.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket([]byte("models")).Put([]byte("ghost"), []byte("m")); err != nil {
			return err
		}
		if _, err := tx.Bucket([]byte("checkpoints")).CreateBucket([]byte("phantom")); err != nil {
			return err
		}
		jobs := tx.Bucket([]byte("jobs"))
		bad := `{"id":"skip","state":"succeeded","created":"2030-01-01T00:00:00Z","updated":"2030-01-01T00:00:00Z",` +
			`"history":[{"from":"pending","to":"succeeded","at":"2030-01-01T00:00:00Z"}]}`
		if err := jobs.Put([]byte("skip"), []byte(bad)); err != nil {
			return err
		}
		return jobs.Put([]byte("junk"), []byte("{not json"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Check()
	if err == nil {
		t.Fatal("Check found nothing wrong")
	}
	t.Logf("Check: %v", err)
	for _, want := range []string{`"ghost"`, `"phantom"`, `"skip"`, `"junk"`, path} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Check error does not mention %s", want)
		}
	}
	if strings.Contains(err.Error(), `"ok"`) {
		t.Errorf("Check complains about the healthy job")
	}
}

// TestConcurrentWriters runs several goroutines that each drive their own
// jobs through the whole life cycle while all of them race on one shared
// job's progress. Run with -race.
func TestConcurrentWriters(t *testing.T) {
	s := mustOpenStore(t)
	const workers, jobsEach = 4, 5
	if _, err := s.CreateJob("shared", nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errc <- func() error {
				for i := range jobsEach {
					id := fmt.Sprintf("w%d-j%d", w, i)
					if _, err := s.CreateJob(id, []byte(fmt.Sprintf(`{"w":%d,"i":%d}`, w, i))); err != nil {
						return err
					}
					if _, err := s.Transition(id, StateRunning, ""); err != nil {
						return err
					}
					for round := range int64(3) {
						if err := s.PutCheckpoint(id, "centres", round, []byte{byte(w), byte(i), byte(round)}); err != nil {
							return err
						}
					}
					if err := s.PutModel(id, []byte(id)); err != nil {
						return err
					}
					if _, err := s.Transition(id, StateSucceeded, ""); err != nil {
						return err
					}
					if err := s.SetProgress("shared", []byte(fmt.Sprintf(`{"w":%d}`, w))); err != nil {
						return err
					}
				}
				return nil
			}()
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Fatal(err)
		}
	}
	done, err := s.JobsInState(StateSucceeded)
	if err != nil || len(done) != workers*jobsEach {
		t.Fatalf("%d succeeded jobs (%v), want %d", len(done), err, workers*jobsEach)
	}
	for _, j := range done {
		if len(j.History) != 2 {
			t.Fatalf("job %s history %+v, want 2 steps", j.ID, j.History)
		}
		var w, i int
		if _, err := fmt.Sscanf(j.ID, "w%d-j%d", &w, &i); err != nil {
			t.Fatal(err)
		}
		seq, data, err := s.Checkpoint(j.ID, "centres")
		if err != nil || seq != 2 || string(data) != string([]byte{byte(w), byte(i), 2}) {
			t.Fatalf("job %s checkpoint %d %v %v", j.ID, seq, data, err)
		}
	}
}

// TestLegacyTasksBucket: files from versions that kept a tasks bucket of
// accepted results open cleanly; the bucket is removed and Check finds
// nothing wrong with the rest.
func TestLegacyTasksBucket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketJobs, bucketCheckpoints, bucketModels} {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		marks, err := tx.CreateBucket(legacyTasks)
		if err != nil {
			return err
		}
		job, err := marks.CreateBucket([]byte("old-job"))
		if err != nil {
			return err
		}
		return job.Put(make([]byte, 16), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(legacyTasks) != nil {
			return fmt.Errorf("bucket %q is still there", legacyTasks)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
