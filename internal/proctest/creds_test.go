package proctest_test

import (
	"fmt"
	"testing"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"

	"github.com/shoal-io/shoal/internal/proctest"
)

// TestAuthCreds runs the job on a server in operator mode, the way managed
// NATS deployments hand out access: an operator signs an account with
// JetStream enabled, the account signs one user per role, and each process
// gets a .creds file (user JWT and seed) through --nats-creds. A worker
// whose user was signed by an account the operator never signed is
// refused, and no seed appears in any log.
func TestAuthCreds(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the .creds variant is skipped")
	}
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	operator, err := nkeys.CreateOperator()
	must(err)
	operatorPub, err := operator.PublicKey()
	must(err)
	oc := jwt.NewOperatorClaims(operatorPub)
	oc.Name = "shoal-test"
	operatorJWT, err := oc.Encode(operator)
	must(err)

	newAccount := func(name string, jetstream bool) (nkeys.KeyPair, string, string) {
		kp, err := nkeys.CreateAccount()
		must(err)
		pub, err := kp.PublicKey()
		must(err)
		ac := jwt.NewAccountClaims(pub)
		ac.Name = name
		if jetstream {
			ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1}
		}
		signed, err := ac.Encode(operator)
		must(err)
		return kp, pub, signed
	}
	account, accountPub, accountJWT := newAccount("SHOAL", true)
	_, sysPub, sysJWT := newAccount("SYS", false)  // JetStream needs a system account, without JetStream
	stranger, _, _ := newAccount("STRANGER", true) // signed, but never loaded by the server

	var secrets []string
	newCreds := func(issuer nkeys.KeyPair, name string) credentials {
		user, err := nkeys.CreateUser()
		must(err)
		pub, err := user.PublicKey()
		must(err)
		uc := jwt.NewUserClaims(pub)
		uc.Name = name
		userJWT, err := uc.Encode(issuer)
		must(err)
		seed, err := user.Seed()
		must(err)
		creds, err := jwt.FormatUserConfig(userJWT, seed)
		must(err)
		secrets = append(secrets, string(seed))
		return credentials{args: []string{"--nats-creds", proctest.WriteFile(t, dir, name+".nk", string(creds))}}
	}

	conf := fmt.Sprintf("operator: %q\nsystem_account: %s\nresolver: MEMORY\nresolver_preload: {\n  %s: %q\n  %s: %q\n}\n",
		operatorJWT, sysPub, accountPub, accountJWT, sysPub, sysJWT)
	a := &authSetup{
		srv:         proctest.StartNATS(t, bins.NATSServer, dir, proctest.NATSOptions{Config: proctest.WriteFile(t, dir, "operator.conf", conf)}),
		coordinator: newCreds(account, "coordinator"),
		worker:      newCreds(account, "worker"),
		client:      newCreds(account, "client"),
	}
	a.secrets = secrets
	out := runAuthJob(t, a, map[string]rejectedWorker{"unknown-account": {newCreds(stranger, "stranger"), true}})
	noLeaks(t, a.secrets, out, dir)
}
