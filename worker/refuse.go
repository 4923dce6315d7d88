package worker

import (
	"context"
	"errors"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoal-io/shoal/internal/wire"
)

// maxTermReason bounds the reason a terminated message carries: the
// server copies it into an advisory.
const maxTermReason = 256

// refuse ends a task message that does not decode, or whose shape asks
// for more memory than a worker may give (wire.ErrTaskTooLarge). Running
// it could only fail the same way on every worker, or take the worker
// down, so it is terminated with the reason, never handed back; and when
// the frame names its job and task, an error result tells the job why,
// so it fails at once with that reason instead of waiting for the task.
func (w *Worker) refuse(ctx context.Context, msg jetstream.Msg, err error) {
	code := wire.CodeBadInput
	if errors.Is(err, wire.ErrTaskTooLarge) {
		code = wire.CodeTooLarge
	}
	w.log.Error("refusing a task", "subject", msg.Subject(), "code", code, "err", err)
	w.opts.Metrics.taskFailed("decode")
	if t := wire.RefusedTask(msg.Data()); t != nil && msg.Subject() == wire.TaskSubject(t.Job) {
		res := &wire.Result{Job: t.Job, Task: t.ID, Round: t.Round, Fit: t.Fit, Kind: t.Kind, Parts: 1,
			Worker: w.opts.Name, Err: wire.NewError(code, err)}
		if perr := w.publish(ctx, t, res); perr != nil {
			w.log.Warn("reporting a refused task", "job", t.Job, "task", t.ID, "err", perr)
		}
	}
	reason := strings.Join(strings.Fields(err.Error()), " ")
	if len(reason) > maxTermReason {
		reason = reason[:maxTermReason]
	}
	if terr := msg.TermWithReason(reason); terr != nil {
		w.log.Warn("terminating a refused task", "err", terr)
	}
}
