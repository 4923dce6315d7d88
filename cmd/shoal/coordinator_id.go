package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// coordinatorIDFile names, inside a coordinator's data directory, the
// random id that tells its lease on the NATS account (coordinator.Options
// Owner) from another data directory's: a coordinator restarted on the
// same directory takes its own lease over at once, one started on another
// is refused while the first runs.
const coordinatorIDFile = "coordinator.id"

// dataDirOwner returns the id of the data directory dir, making one the
// first time.
func dataDirOwner(dir string) (string, error) {
	path := filepath.Join(dir, coordinatorIDFile)
	for range 2 {
		b, err := os.ReadFile(path)
		if err == nil {
			if id := strings.TrimSpace(string(b)); id != "" {
				return id, nil
			}
			return "", fmt.Errorf("%s is empty; remove it and start again", path)
		}
		if !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("reading the coordinator id: %w", err)
		}
		var r [16]byte
		_, _ = rand.Read(r[:])
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			continue // made by a coordinator starting at the same time
		}
		if err != nil {
			return "", fmt.Errorf("writing the coordinator id: %w", err)
		}
		id := hex.EncodeToString(r[:])
		_, werr := f.WriteString(id + "\n")
		if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
			_ = os.Remove(path)
			return "", fmt.Errorf("writing the coordinator id: %w", err)
		}
		return id, nil
	}
	return "", fmt.Errorf("%s: could not be read or made", path)
}
