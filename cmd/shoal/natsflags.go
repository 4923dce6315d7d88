package main

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/pflag"
)

// natsFlags are the connection flags shared by every command that talks to
// an external NATS server. Secrets can come from the environment
// (SHOAL_NATS_PASSWORD, SHOAL_NATS_TOKEN) so they stay out of process
// listings; none of them is ever logged. SHOAL_NATS_USER and
// SHOAL_NATS_INBOX_PREFIX stand in for their flags, so a container can
// carry its role.
type natsFlags struct {
	url      string
	user     string
	password string
	token    string
	nkey     string // path to an nkey seed file
	creds    string // path to a .creds file (JWT + seed)
	inbox    string // prefix of the connection's reply subjects
	tlsCA    string
	tlsCert  string
	tlsKey   string
	timeout  time.Duration // bound on one connection attempt: dial, TLS handshake and the server's greeting
}

// defaultConnectTimeout is longer than nats.go's 2 s: a batch job gains
// nothing by failing fast, and a TLS handshake on a busy host (or under
// the race detector) has taken longer than 2 s.
const defaultConnectTimeout = 10 * time.Second

func (f *natsFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.url, "nats", "", "NATS server URL, e.g. nats://127.0.0.1:4222 (several separated by commas)")
	fs.StringVar(&f.user, "nats-user", "", "NATS user name (or set SHOAL_NATS_USER)")
	fs.StringVar(&f.password, "nats-password", "", "NATS password (or set SHOAL_NATS_PASSWORD)")
	fs.StringVar(&f.token, "nats-token", "", "NATS token (or set SHOAL_NATS_TOKEN)")
	fs.StringVar(&f.nkey, "nats-nkey", "", "file holding an nkey seed to authenticate with")
	fs.StringVar(&f.creds, "nats-creds", "", "NATS .creds file (user JWT and seed)")
	fs.StringVar(&f.inbox, "nats-inbox-prefix", "", "prefix of this connection's reply subjects instead of _INBOX, so that each role's user may subscribe to its own replies only (see docs/nats-permissions.md; or set SHOAL_NATS_INBOX_PREFIX)")
	fs.StringVar(&f.tlsCA, "tls-ca", "", "CA certificate to verify the NATS server with")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "client certificate for mutual TLS")
	fs.StringVar(&f.tlsKey, "tls-key", "", "client key for mutual TLS")
	fs.DurationVar(&f.timeout, "nats-timeout", defaultConnectTimeout, "how long one attempt to connect to NATS may take, TLS handshake included")
}

// options turns the flags into nats.go options.
func (f *natsFlags) options(name string) ([]nats.Option, error) {
	if f.timeout <= 0 {
		return nil, usagef("--nats-timeout %v: want a positive duration, e.g. 10s", f.timeout)
	}
	opts := []nats.Option{nats.Name(name), nats.MaxReconnects(-1), nats.Timeout(f.timeout)}
	password := f.password
	if password == "" {
		password = os.Getenv("SHOAL_NATS_PASSWORD")
	}
	token := f.token
	if token == "" {
		token = os.Getenv("SHOAL_NATS_TOKEN")
	}
	user := f.user
	if user == "" {
		user = os.Getenv("SHOAL_NATS_USER")
	}
	if user != "" {
		opts = append(opts, nats.UserInfo(user, password))
	}
	if token != "" {
		opts = append(opts, nats.Token(token))
	}
	if f.nkey != "" {
		o, err := nats.NkeyOptionFromSeed(f.nkey)
		if err != nil {
			return nil, fmt.Errorf("--nats-nkey %s: %w", f.nkey, err)
		}
		opts = append(opts, o)
	}
	if f.creds != "" {
		if _, err := os.Stat(f.creds); err != nil {
			return nil, fmt.Errorf("--nats-creds: %w", err)
		}
		opts = append(opts, nats.UserCredentials(f.creds))
	}
	inbox := f.inbox
	if inbox == "" {
		inbox = os.Getenv("SHOAL_NATS_INBOX_PREFIX")
	}
	if inbox != "" {
		if strings.ContainsAny(inbox, "*> \t") || strings.HasPrefix(inbox, ".") || strings.HasSuffix(inbox, ".") {
			return nil, usagef("--nats-inbox-prefix %q: want a subject without wildcards, spaces or a leading or trailing dot", inbox)
		}
		opts = append(opts, nats.CustomInboxPrefix(inbox))
	}
	if f.tlsCA != "" {
		opts = append(opts, nats.RootCAs(f.tlsCA))
	}
	if f.tlsCert != "" || f.tlsKey != "" {
		if f.tlsCert == "" || f.tlsKey == "" {
			return nil, usagef("--tls-cert and --tls-key go together")
		}
		opts = append(opts, nats.ClientCert(f.tlsCert, f.tlsKey))
	}
	return opts, nil
}

// connect opens a connection; the error names the server but no secret.
func (f *natsFlags) connect(name string) (*nats.Conn, error) {
	if f.url == "" {
		return nil, usagef("--nats is required")
	}
	opts, err := f.options(name)
	if err != nil {
		return nil, err
	}
	nc, err := nats.Connect(f.url, opts...)
	if err != nil {
		hint := ""
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// The dial, TLS handshake or greeting outlasted the attempt.
			hint = fmt.Sprintf(" (no answer within --nats-timeout %v)", f.timeout)
		}
		err = fmt.Errorf("connecting to NATS at %s: %w%s", redactURL(f.url), redactedError{err, f.url}, hint)
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			return nil, usageError{fmt.Errorf("--nats: %w", err)}
		}
		return nil, err
	}
	return nc, nil
}

// redactURL hides user information (a password, or a token in the user
// position) in each of the comma-separated server URLs, also in URLs that
// do not parse.
func redactURL(urls string) string { return redactSecrets(urls, urls) }

// redactSecrets replaces, in s, the user information of every server URL
// in urls (everything between "scheme://" and the last "@" before the
// host, as written) with "redacted".
func redactSecrets(s, urls string) string {
	for _, p := range strings.Split(urls, ",") {
		p = strings.TrimSpace(p)
		if i := strings.Index(p, "://"); i >= 0 {
			p = p[i+3:]
		}
		if at := strings.LastIndexByte(p, '@'); at > 0 {
			s = strings.ReplaceAll(s, p[:at], "redacted")
			// Parsers quote what they print: hide that form too.
			if esc := url.PathEscape(p[:at]); esc != p[:at] {
				s = strings.ReplaceAll(s, esc, "redacted")
			}
		}
	}
	return s
}

// redactedError is an error whose message has the secrets of some NATS
// URLs hidden; errors.Is and errors.As still see the original.
type redactedError struct {
	err  error
	urls string
}

func (e redactedError) Error() string { return redactSecrets(e.err.Error(), e.urls) }
func (e redactedError) Unwrap() error { return e.err }
