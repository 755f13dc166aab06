package gcp

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	compute "google.golang.org/api/compute/v1"
	"google.golang.org/api/googleapi"
)

// Poll is the base wait between polls of an operation or a group; tests may
// shorten it. Each wait is jittered by up to a quarter.
var Poll = 2 * time.Second

// PollVar sets Poll for a provider process (a Go duration, e.g. 200ms):
// an endpoint that moves operations on per poll, not per second, is
// waited for in less time.
const PollVar = "HA_GCP_POLL_INTERVAL"

// BackoffVar sets the unit of Backoff for a provider process (a Go
// duration; 1s when unset): the first retry waits up to half a unit, the
// longest wait is 20 units. Tests that fault a third of the calls of the
// local endpoint shorten it; what they check (every call converges, nothing
// is made twice) does not depend on how long a wait is.
const BackoffVar = "HA_GCP_BACKOFF_UNIT"

func init() { fromEnv() }

// fromEnv applies PollVar and BackoffVar where they hold a positive duration.
func fromEnv() {
	if d, err := time.ParseDuration(os.Getenv(PollVar)); err == nil && d > 0 {
		Poll = d
	}
	if d, err := time.ParseDuration(os.Getenv(BackoffVar)); err == nil && d > 0 {
		Backoff.Initial, Backoff.Max = d/2, 20*d
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

// OpCall is a mutating compute call: the Do method of an insert, patch,
// update, delete or action call, ready to be made (and retried).
type OpCall = func(...googleapi.CallOption) (*compute.Operation, error)

// Wait polls a compute operation of project until it is DONE, and returns
// its error (an operation can finish with one: a name taken, an object in
// use). what names the change for messages ("create instance template
// web-1").
func Wait(ctx context.Context, svc *compute.Service, project string, op *compute.Operation, what string) error {
	if op == nil {
		return nil
	}
	// The scope is the first answer's: later ones need not repeat it.
	get := pollCall(ctx, svc, project, op)
	for op.Status != "DONE" {
		if err := Sleep(ctx, Poll); err != nil {
			return ctxErr(ctx, what)
		}
		next, err := Read(ctx, get)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		op = next
	}
	if e := op.Error; e != nil && len(e.Errors) > 0 {
		return &OperationError{What: what, Code: e.Errors[0].Code, Message: e.Errors[0].Message, HTTP: int(op.HttpErrorStatusCode)}
	}
	return nil
}

// pollCall is the Get of op in its own scope: an operation names its zone
// or region (as a link) when it has one, else it is global.
func pollCall(ctx context.Context, svc *compute.Service, project string, op *compute.Operation) func(...googleapi.CallOption) (*compute.Operation, error) {
	switch {
	case op.Zone != "":
		return svc.ZoneOperations.Get(project, Last(op.Zone), op.Name).Context(ctx).Do
	case op.Region != "":
		return svc.RegionOperations.Get(project, Last(op.Region), op.Name).Context(ctx).Do
	}
	return svc.GlobalOperations.Get(project, op.Name).Context(ctx).Do
}

// Last is the last path segment of a self link or relative URL (the name
// alone when there is no slash).
func Last(link string) string { return link[strings.LastIndex(link, "/")+1:] }

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

// Do makes a mutating call of project, retrying throttling and transient
// errors, and waits for the operation it returns.
func Do(ctx context.Context, svc *compute.Service, project, what string, call OpCall) error {
	var op *compute.Operation
	err := computeError(Call(ctx, func() error {
		var err error
		op, err = call()
		return err
	}))
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return Wait(ctx, svc, project, op, what)
}
