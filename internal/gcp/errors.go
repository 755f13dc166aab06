package gcp

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/googleapis/gax-go/v2/apierror"
	"google.golang.org/api/googleapi"
)

// HTTPCode is the HTTP status of a GCP API error, 0 when err is not one.
func HTTPCode(err error) int {
	var oe *OperationError
	if errors.As(err, &oe) && oe.HTTP != 0 {
		return oe.HTTP
	}
	var ae *apierror.APIError
	if errors.As(err, &ae) && ae.HTTPCode() > 0 {
		return ae.HTTPCode()
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		return ge.Code
	}
	return 0
}

// Reason is the first error reason of a GCP API error
// ("resourceInUseByAnotherResource", "alreadyExists"), "" when none.
func Reason(err error) string {
	var oe *OperationError
	if errors.As(err, &oe) {
		return oe.Code
	}
	var ae *apierror.APIError
	if errors.As(err, &ae) && ae.Reason() != "" {
		return ae.Reason()
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		for _, e := range ge.Errors {
			if e.Reason != "" {
				return e.Reason
			}
		}
		if ge.Message != "" {
			return reasonInMessage(ge.Message)
		}
	}
	if err != nil {
		return reasonInMessage(err.Error())
	}
	return ""
}

// reasonInMessage finds a known reason in an error's text, for an answer
// that carries no errors list.
func reasonInMessage(msg string) string {
	for _, r := range []string{"resourceInUseByAnotherResource", "alreadyExists", "notFound", "conditionNotMet", "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE", "RESOURCE_ALREADY_EXISTS", "RESOURCE_NOT_FOUND"} {
		if strings.Contains(msg, r) {
			return r
		}
	}
	return ""
}

// IsNotFound reports a 404 from the API.
func IsNotFound(err error) bool { return HTTPCode(err) == 404 }

// IsConflict reports a 409 (the name is taken).
func IsConflict(err error) bool {
	return HTTPCode(err) == 409 || Reason(err) == "alreadyExists" || Reason(err) == "RESOURCE_ALREADY_EXISTS"
}

// IsInUse reports that an object cannot be deleted yet because another one
// still refers to it.
func IsInUse(err error) bool {
	r := Reason(err)
	return r == "resourceInUseByAnotherResource" || r == "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE"
}

// IsPreconditionFailed reports a stale fingerprint (412).
func IsPreconditionFailed(err error) bool {
	return HTTPCode(err) == 412 || Reason(err) == "conditionNotMet"
}

// Retryable reports throttling (429, and 403 with a rate-limit reason, as
// Compute Engine and Cloud DNS answer a project over its request rate),
// transient server errors (5xx) and a connection closed before the answer
// came. A create retried after its answer was lost meets "already exists",
// which the backends adopt. A 403 for a resource quota (quotaExceeded) or
// a permission is not retried.
func Retryable(err error) bool {
	c := HTTPCode(err)
	if c == 0 && err != nil {
		return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
	}
	if c == 403 {
		r := Reason(err)
		return r == "rateLimitExceeded" || r == "userRateLimitExceeded" || r == "RATE_LIMIT_EXCEEDED"
	}
	return c == 429 || c == 500 || c == 502 || c == 503 || c == 504
}

// IsTransportError reports that err means the API could not be reached at
// all (refused, no route, DNS failure, dial timeout), not an answer from it.
func IsTransportError(err error) bool {
	if err == nil || HTTPCode(err) != 0 {
		return false
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	for _, errno := range []syscall.Errno{syscall.ECONNREFUSED, syscall.EHOSTUNREACH, syscall.ENETUNREACH} {
		if errors.Is(err, errno) {
			return true
		}
	}
	var urlErr *url.Error
	return errors.As(err, &urlErr) && urlErr.Timeout()
}

// Backoff is the retry schedule for Retry; tests may shorten it.
var Backoff = struct {
	Initial, Max time.Duration
	Attempts     int
}{Initial: 500 * time.Millisecond, Max: 20 * time.Second, Attempts: 8}

// Retry calls f until it succeeds, fails with an error retry does not
// accept, the attempts run out or ctx ends. Waits grow exponentially with
// full jitter, so clients throttled together do not retry together.
func Retry(ctx context.Context, retry func(error) bool, f func() error) error {
	wait := Backoff.Initial
	var err error
	for attempt := 1; ; attempt++ {
		if err = f(); err == nil || !retry(err) || attempt >= Backoff.Attempts {
			return err
		}
		d := time.Duration(rand.Int64N(int64(wait)) + 1)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		if wait *= 2; wait > Backoff.Max {
			wait = Backoff.Max
		}
	}
}

// Call retries f on throttling and transient server errors.
func Call(ctx context.Context, f func() error) error { return Retry(ctx, Retryable, f) }

// Read makes an idempotent compute read (the Do method of a Get call),
// retrying throttling, transient server errors and dropped connections as
// Call does. Writes go through Do, whose operations are adopted on
// "already exists" instead.
func Read[T any](ctx context.Context, do func(...googleapi.CallOption) (T, error)) (T, error) {
	var v T
	err := ReadPages(ctx, func() error {
		var err error
		v, err = do()
		return err
	})
	return v, err
}

// ReadPages makes an idempotent compute listing, retried as Read: f is a
// Pages call whose callback starts afresh, as a retry lists from the start.
func ReadPages(ctx context.Context, f func() error) error {
	return computeError(Call(ctx, f))
}

// computeError gives a compute API error the text users saw from the
// earlier compute client ("googleapi: Error 404: message", the reason not
// repeated after it): that client's error, an APIError made from the
// answer's googleapi.Error, which stays inside it for HTTPCode and Reason.
// err is the client's own error (nothing wraps it yet); other errors are
// returned as they are.
func computeError(err error) error {
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		return err
	}
	// The discovery client wraps a status-carrying APIError in ge, which
	// FromError would print as ge does; a copy without it prints as before.
	bare := *ge
	bare.Wrap(nil)
	if ae, ok := apierror.FromError(&bare); ok {
		return ae
	}
	return err
}
