package proctest_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/shoal-io/shoal/internal/proctest"
)

// The Compose stack's NATS users are the documented ones, which the
// permission tests run with: the two files cannot drift apart.
func TestComposeUsersAreDocumented(t *testing.T) {
	root, err := proctest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "deploy", "nats-auth.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != documentedConfig(t) {
		t.Errorf("deploy/nats-auth.conf differs from the configuration block of %s; copy the block over", permissionsDoc)
	}
}
