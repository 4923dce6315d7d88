package coordinator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/shoal-io/shoal/internal/wire"
)

// ErrNoCoordinator is returned by Client calls when no coordinator service
// answers on the connection.
var ErrNoCoordinator = errors.New("coordinator: no coordinator is answering")

// APIError is an error the coordinator service replied with.
type APIError struct {
	Code        string
	Description string
}

func (e *APIError) Error() string { return e.Description }

// IsNotFound reports whether err says the job does not exist.
func IsNotFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == apiNotFound
}

// IsRefused reports whether err says the coordinator refused a request as
// malformed (400) or forbidden (403): the client's fault, not the job's.
func IsRefused(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && (ae.Code == apiBadRequest || ae.Code == apiForbidden)
}

// Client calls a coordinator service's API.
type Client struct {
	nc *nats.Conn
}

// NewClient returns a client on nc.
func NewClient(nc *nats.Conn) *Client { return &Client{nc: nc} }

func (c *Client) call(ctx context.Context, endpoint string, req any, reply any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	msg, err := c.request(ctx, wire.APIPrefix+"."+endpoint, body)
	if err != nil {
		if errors.Is(err, nats.ErrNoResponders) {
			return fmt.Errorf("%w on %s", ErrNoCoordinator, c.nc.ConnectedUrlRedacted())
		}
		return fmt.Errorf("coordinator: %s: %w", endpoint, err)
	}
	if code := msg.Header.Get(micro.ErrorCodeHeader); code != "" {
		return &APIError{Code: code, Description: msg.Header.Get(micro.ErrorHeader)}
	}
	if raw, ok := reply.(*[]byte); ok {
		*raw = msg.Data
		return nil
	}
	if err := json.Unmarshal(msg.Data, reply); err != nil {
		return fmt.Errorf("coordinator: %s: decoding the reply: %w", endpoint, err)
	}
	return nil
}

// noResponderGrace is how long a request that found no coordinator is
// sent again. On a cluster, a coordinator that has just started on
// another server is not known to this one until its subscriptions have
// crossed the routes; a request that met no responder reached no one, so
// sending it again is safe.
const noResponderGrace = 2 * time.Second

// request sends a request, again for up to noResponderGrace while no
// coordinator answers.
func (c *Client) request(ctx context.Context, subject string, body []byte) (*nats.Msg, error) {
	start, pause := time.Now(), 25*time.Millisecond
	for {
		msg, err := c.nc.RequestWithContext(ctx, subject, body)
		if !errors.Is(err, nats.ErrNoResponders) || time.Since(start)+pause > noResponderGrace {
			return msg, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(pause):
		}
		pause = min(2*pause, 400*time.Millisecond)
	}
}

// Submit sends a job and returns its id.
func (c *Client) Submit(ctx context.Context, spec *wire.JobSpec) (string, error) {
	var r IDRequest
	err := c.call(ctx, EndpointSubmit, spec, &r)
	return r.ID, err
}

// Status returns a job's state and progress.
func (c *Client) Status(ctx context.Context, id string) (*JobStatus, error) {
	var s JobStatus
	if err := c.call(ctx, EndpointStatus, IDRequest{ID: id}, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// List returns every job the coordinator knows.
func (c *Client) List(ctx context.Context) ([]JobStatus, error) {
	var out []JobStatus
	err := c.call(ctx, EndpointList, struct{}{}, &out)
	return out, err
}

// Cancel asks the coordinator to cancel a job.
func (c *Client) Cancel(ctx context.Context, id string) error {
	var r IDRequest
	return c.call(ctx, EndpointCancel, IDRequest{ID: id}, &r)
}

// Result returns a succeeded job's model as stored (the model file bytes)
// and decoded.
func (c *Client) Result(ctx context.Context, id string) (*wire.Model, []byte, error) {
	var raw []byte
	if err := c.call(ctx, EndpointResult, IDRequest{ID: id}, &raw); err != nil {
		return nil, nil, err
	}
	var m wire.Model
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, nil, fmt.Errorf("coordinator: decoding model: %w", err)
	}
	return &m, raw, nil
}
