package aws

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
)

// DialTimeout bounds one TCP connect to an AWS endpoint. The SDK's default
// (30 s) times every attempt of every call by a blackholed region; an AWS
// endpoint that is up answers a connect in well under a second.
const DialTimeout = 5 * time.Second

// probeTimeout bounds the reachability probe run after a failed connect.
const probeTimeout = 3 * time.Second

// UnreachableError is returned for every call to a location whose API was
// found unreachable earlier in this provider run: the location is not tried
// again, so a lost region costs one failed connect and probe, not minutes
// of retries per resource.
type UnreachableError struct {
	Location string
	Cause    error // the first connect failure
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("AWS location %s unreachable: %v", e.Location, e.Cause)
}

func (e *UnreachableError) Unwrap() error { return e.Cause }

// Is makes errors.Is(err, backend.ErrUnreachable) hold, so that code above
// the AWS backend tests for the cloud-neutral error only.
func (e *UnreachableError) Is(target error) bool { return target == backend.ErrUnreachable }

// UnreachableLocation returns the location named by an UnreachableError in
// err's chain, "" when there is none.
func UnreachableLocation(err error) string {
	var ue *UnreachableError
	if errors.As(err, &ue) {
		return ue.Location
	}
	return ""
}

// reachability remembers, per location, the first confirmed connect failure.
type reachability struct {
	mu   sync.Mutex
	down map[string]error
}

func (r *reachability) get(location string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.down[location]
}

func (r *reachability) mark(location string, cause error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.down[location]; ok {
		return e
	}
	e := &UnreachableError{Location: location, Cause: cause}
	r.down[location] = e
	return e
}

// Unreachable returns the cached UnreachableError of a location, nil while
// the location has not been found unreachable in this run.
func (s *Session) Unreachable(location string) error { return s.reach.get(location) }

// newHTTPClient is the session's transport: the SDK's buildable client
// with a short connect timeout.
func newHTTPClient() *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().WithDialerOptions(func(d *net.Dialer) {
		d.Timeout = DialTimeout
	})
}

// locationClient is the HTTP client of one location: it fails at once for a
// location already known unreachable, and marks the location unreachable when
// a connect fails and a second, plain TCP probe fails too (so that one lost
// packet does not write a healthy region off for the rest of the run).
type locationClient struct {
	location string
	next     sdkaws.HTTPClient
	reach    *reachability
	probe    func(ctx context.Context, u *url.URL) error
}

func (c *locationClient) Do(req *http.Request) (*http.Response, error) {
	if err := c.reach.get(c.location); err != nil {
		return nil, err
	}
	resp, err := c.next.Do(req)
	if err == nil || !IsUnreachable(err) || req.Context().Err() != nil {
		// Answers, failures after connecting and the caller's own deadline
		// are not the location's fault; the SDK retryer handles them as before.
		return resp, err
	}
	if perr := c.probe(req.Context(), req.URL); perr == nil {
		return resp, err
	}
	return nil, c.reach.mark(c.location, err)
}

// probeTCP connects to the endpoint's host and port and hangs up.
func probeTCP(ctx context.Context, u *url.URL) error {
	host := u.Host
	if u.Port() == "" {
		port := "443"
		if u.Scheme == "http" {
			port = "80"
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", host)
	if err != nil {
		return err
	}
	return conn.Close()
}

// MaxBackoff caps the wait between two attempts of one call.
const MaxBackoff = 10 * time.Second

// BackoffVar sets the unit of the retry waits for a provider process (a Go
// duration; 1s, the SDK's, when unset): the retry after attempt n waits up to
// 2^n units, at most 10 units. Tests that fault a third of the calls of a
// local endpoint shorten it; what they check (every call converges, nothing
// is made twice) does not depend on how long a wait is.
const BackoffVar = "HA_AWS_BACKOFF_UNIT"

// backoffUnit is BackoffVar's value, or a second.
func backoffUnit() time.Duration {
	if d, err := time.ParseDuration(os.Getenv(BackoffVar)); err == nil && d > 0 {
		return d
	}
	return time.Second
}

// jitterBackoff is the SDK's exponential backoff with full jitter
// (retry.ExponentialJitterBackoff) counted in units rather than seconds:
// a random wait below unit·2^attempt while that is under max, else max.
// The comparison shifts max down, so a long unit cannot overflow it.
type jitterBackoff struct{ unit, max time.Duration }

func (b jitterBackoff) BackoffDelay(attempt int, _ error) (time.Duration, error) {
	if attempt < 0 || attempt >= 63 || b.unit > b.max>>attempt {
		return b.max, nil
	}
	return time.Duration(rand.Int64N(int64(b.unit << attempt))), nil
}

// newRetryer is the standard retryer (exponential backoff with full jitter on
// throttling, 5xx and transient connection errors) with our attempt count,
// except that a location known unreachable is never retried. The client-side
// retry quota is off: it is meant to shed load from a fleet of clients, but
// one apply that meets a throttling burst would otherwise fail calls outright
// ("retry quota exceeded") after a hundred retries, however healthy the next
// attempt would have been.
func newRetryer(maxAttempts int) func() sdkaws.Retryer {
	return func() sdkaws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = maxAttempts
			unit := backoffUnit()
			o.MaxBackoff = unit * (MaxBackoff / time.Second)
			o.Backoff = jitterBackoff{unit: unit, max: o.MaxBackoff}
			o.RateLimiter = ratelimit.None
			o.Retryables = append([]retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(err error) sdkaws.Ternary {
				var ue *UnreachableError
				if errors.As(err, &ue) {
					return sdkaws.FalseTernary
				}
				return sdkaws.UnknownTernary
			})}, o.Retryables...)
		})
	}
}

// NoRetryNotImplemented wraps a retryer so that an answer meaning "this
// endpoint does not implement the call" (a 5xx without an AWS error code,
// as a local emulator sends) is not retried, while throttling, 5xx with an
// error code and dropped connections still are. Only for endpoint overrides.
func NoRetryNotImplemented(r sdkaws.Retryer) sdkaws.Retryer {
	if v2, ok := r.(sdkaws.RetryerV2); ok {
		return notImplementedRetryer{v2}
	}
	return r
}

type notImplementedRetryer struct{ sdkaws.RetryerV2 }

func (r notImplementedRetryer) IsErrorRetryable(err error) bool {
	if IsServerError(err) && (ErrorCode(err) == "" || strings.Contains(ErrorCode(err), "NotImplemented")) {
		return false
	}
	return r.RetryerV2.IsErrorRetryable(err)
}
