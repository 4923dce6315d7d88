package coordinator

import (
	"reflect"
	"testing"

	"github.com/shoal-io/shoal/algo/validity"
	"github.com/shoal-io/shoal/internal/jsonkeys"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/storage"
)

// TestJSONKeysSnakeCase walks every type the coordinator writes as JSON,
// to a file, the store or an API reply, and fails on a key that is not
// snake_case: a Go field without a json tag marshals under its Go name.
func TestJSONKeysSnakeCase(t *testing.T) {
	for _, typ := range []reflect.Type{
		reflect.TypeFor[wire.Model](),         // model file, result endpoint
		reflect.TypeFor[wire.JobSpec](),       // submit request, stored spec
		reflect.TypeFor[JobStatus](),          // status and list replies
		reflect.TypeFor[Progress](),           // stored progress snapshot
		reflect.TypeFor[IDRequest](),          // status, cancel, result requests
		reflect.TypeFor[manifest](),           // _manifest.json of a labels dataset
		reflect.TypeFor[leaseHolder](),        // lease value
		reflect.TypeFor[fittedState](),        // checkpoints
		reflect.TypeFor[runsCheckpoint](),     //
		reflect.TypeFor[runCheckpoint](),      //
		reflect.TypeFor[claraCheckpoint](),    //
		reflect.TypeFor[storage.Job](),        // job catalog record
		reflect.TypeFor[validity.Selection](), // selection report of a k sweep
		reflect.TypeFor[wire.Error](),         // task errors
	} {
		if bad := jsonkeys.TypeKeys(typ); len(bad) > 0 {
			t.Errorf("keys that are not snake_case: %q", bad)
		}
	}
}
