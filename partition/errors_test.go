package partition

import (
	"strings"
	"testing"
)

// Every sentinel names the package, so a wrapped message tells the user
// where it came from.
func TestSentinelsNamePackage(t *testing.T) {
	for _, err := range []error{
		ErrUnknownFormat, ErrNotFound, ErrNoSuchColumn, ErrNotNumeric, ErrSchemaMismatch, ErrAmbiguousColumn,
		ErrEmptyDataset, ErrInvalidOptions, ErrNull, ErrNegativeWeight, ErrNotInteger, ErrCorrupt,
		ErrInvalidArgument, ErrClosed,
	} {
		msg := err.Error()
		if !strings.HasPrefix(msg, "partition: ") || msg != strings.ToLower(msg) {
			t.Errorf("sentinel %q: want lower case with prefix \"partition: \"", msg)
		}
	}
}
