package gcp

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	compute "cloud.google.com/go/compute/apiv1"
)

// Poll is the base wait between polls of an operation or a group; tests may
// shorten it. Each wait is jittered by up to a quarter.
var Poll = 2 * time.Second

// PollVar sets Poll for a provider process (a Go duration, e.g. 200ms):
// an endpoint that moves operations on per poll, not per second, is
// waited for in less time.
const PollVar = "HA_GCP_POLL_INTERVAL"

func init() {
	if d, err := time.ParseDuration(os.Getenv(PollVar)); err == nil && d > 0 {
		Poll = d
	}
}

// Sleep waits about d (jittered) or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) error {
	d += time.Duration(rand.Int64N(int64(d)/4 + 1))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Wait polls a compute operation until it is DONE, and returns its error
// (an operation can finish with one: a name taken, an object in use). what
// names the change for messages ("create instance template web-1").
func Wait(ctx context.Context, op *compute.Operation, what string) error {
	if op == nil {
		return nil
	}
	for !op.Done() {
		if err := Sleep(ctx, Poll); err != nil {
			return ctxErr(ctx, what)
		}
		if err := Call(ctx, func() error { return op.Poll(ctx) }); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	if e := op.Proto().GetError(); e != nil && len(e.GetErrors()) > 0 {
		return &OperationError{What: what, Code: e.GetErrors()[0].GetCode(), Message: e.GetErrors()[0].GetMessage(), HTTP: int(op.Proto().GetHttpErrorStatusCode())}
	}
	return nil
}

// OperationError is an operation that finished with an error.
type OperationError struct {
	What    string
	Code    string // "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE"
	Message string
	HTTP    int
}

func (e *OperationError) Error() string {
	return fmt.Sprintf("%s: %s: %s", e.What, e.Code, e.Message)
}

// Do runs a mutating call that returns an operation, retrying throttling and
// transient errors, and waits for the operation.
func Do(ctx context.Context, what string, f func() (*compute.Operation, error)) error {
	var op *compute.Operation
	err := Call(ctx, func() error {
		var err error
		op, err = f()
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return Wait(ctx, op, what)
}
