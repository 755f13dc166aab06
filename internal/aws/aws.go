// Package aws is the base of the AWS backend: SDK configuration per
// location (with the endpoint override and retries), credential checks,
// tagging and error classification shared by the per-service packages
// below it (loadbalancer, scaling, rds, backup, route53).
package aws

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
)

// Settings are what the provider block (or HA_AWS_*) says about AWS.
type Settings struct {
	Endpoint   string
	AccessKey  string
	SecretKey  string
	Profile    string
	MaxRetries int
	// LostLocations are regions declared lost: no call is made to them at
	// all; every call fails at once as unreachable (see reach.go).
	LostLocations []string
}

// Session builds and caches SDK configurations, one per location, so one
// provider block serves every region.
type Session struct {
	settings Settings
	mu       sync.Mutex
	configs  map[string]sdkaws.Config
	http     *awshttp.BuildableClient
	reach    *reachability
}

// NewSession returns a session; nothing is contacted until first use.
func NewSession(s Settings) *Session {
	sess := &Session{
		settings: s,
		configs:  map[string]sdkaws.Config{},
		http:     newHTTPClient(),
		reach:    &reachability{down: map[string]error{}},
	}
	for _, loc := range s.LostLocations {
		_ = sess.reach.mark(loc, ErrDeclaredLost) // returns the cached error; nothing to check
	}
	return sess
}

// ErrDeclaredLost is the cause of the unreachable error of a location named
// in LostLocations: after a disaster its objects are forgotten without a
// single call to the region.
var ErrDeclaredLost = errors.New("declared lost (aws lost_locations): not contacted")

// Config returns the SDK configuration for a location (us-east-1, ...).
func (s *Session) Config(ctx context.Context, location string) (sdkaws.Config, error) {
	if location == "" {
		return sdkaws.Config{}, errors.New("location (AWS region) is empty")
	}
	return s.config(ctx, location, location)
}

// GlobalSigningRegion is the region global APIs (Route 53) are signed for.
const GlobalSigningRegion = "us-east-1"

// Global returns the SDK configuration for a global API such as Route 53.
// Its calls are signed for us-east-1 but are not calls to that region: a
// declared-lost or unreachable us-east-1 does not block them, and a global
// API found unreachable does not mark us-east-1 unreachable. That is what a
// DR apply with us-east-1 lost needs to move its DNS records.
func (s *Session) Global(ctx context.Context, service string) (sdkaws.Config, error) {
	return s.config(ctx, "global:"+service, GlobalSigningRegion)
}

// config builds (once) the configuration whose reachability is tracked
// under key and whose calls are signed for region.
func (s *Session) config(ctx context.Context, key, location string) (sdkaws.Config, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.configs[key]; ok {
		return c, nil
	}
	opts := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithRegion(location),
		// The standard retryer already backs off on throttling and 5xx;
		// ours adds the attempt count and gives up at once on a location
		// known unreachable (see reach.go).
		awsconfig.WithRetryer(newRetryer(s.settings.MaxRetries + 1)),
		awsconfig.WithHTTPClient(s.http),
	}
	if s.settings.AccessKey != "" {
		opts = append(opts, awsconfig.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(s.settings.AccessKey, s.settings.SecretKey, "")))
	}
	if s.settings.Profile != "" {
		opts = append(opts, awsconfig.WithSharedConfigProfile(s.settings.Profile))
	}
	if s.settings.Endpoint != "" {
		opts = append(opts, awsconfig.WithBaseEndpoint(s.settings.Endpoint))
	}
	c, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return sdkaws.Config{}, fmt.Errorf("load AWS configuration for %s: %w", location, err)
	}
	// Wrapped after loading, so that the loader can still apply a custom CA
	// bundle (AWS_CA_BUNDLE) to the buildable client underneath.
	c.HTTPClient = &locationClient{location: key, next: c.HTTPClient, reach: s.reach, probe: probeTCP}
	s.configs[key] = c
	return c, nil
}

// Endpoint is the base endpoint override, "" for real AWS.
func (s *Session) Endpoint() string { return s.settings.Endpoint }

// Verify checks the credentials once (STS GetCallerIdentity), so bad
// credentials are one clear error at configure time rather than one per resource.
func (s *Session) Verify(ctx context.Context) (account string, err error) {
	// Ask STS in a region that is not declared lost.
	at := "us-east-1"
	for _, loc := range []string{"us-east-1", "us-west-2", "eu-west-1", "us-east-2"} {
		if s.reach.get(loc) == nil {
			at = loc
			break
		}
	}
	c, err := s.Config(ctx, at)
	if err != nil {
		return "", err
	}
	out, err := sts.NewFromConfig(c).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("check AWS credentials (sts:GetCallerIdentity): %w", err)
	}
	return sdkaws.ToString(out.Account), nil
}

// Tag keys written on everything taggable, so leftovers can be found.
const (
	TagBlueprint = "ha:blueprint"
	TagComponent = "ha:component"
)

// Tags merges user tags with the ha:* ownership tags.
func Tags(user map[string]string, blueprint, component string) map[string]string {
	out := make(map[string]string, len(user)+2)
	for k, v := range user {
		out[k] = v
	}
	if blueprint != "" {
		out[TagBlueprint] = blueprint
	}
	if component != "" {
		out[TagComponent] = component
	}
	return out
}

// ErrorCode returns the AWS error code of err ("" when it has none).
func ErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// IsNotFound reports whether err is an AWS "does not exist" error; each
// service has its own codes, so callers pass theirs in addition to the
// common ones.
func IsNotFound(err error, codes ...string) bool {
	code := ErrorCode(err)
	if code == "" {
		return false
	}
	for _, c := range codes {
		if code == c {
			return true
		}
	}
	return strings.HasSuffix(code, "NotFound") || strings.HasSuffix(code, "NotFoundFault") ||
		strings.HasSuffix(code, ".NotFound") || code == "ResourceNotFoundException"
}

// HTTPStatus returns the HTTP status of a failed call, 0 when unknown.
func HTTPStatus(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// IsServerError reports a 5xx answer (the local endpoint answers 500 for calls it does
// not implement, which callers may need to recognise).
func IsServerError(err error) bool {
	return HTTPStatus(err) >= http.StatusInternalServerError
}

// ErrTimeout is returned by WaitUntil when the deadline passes first.
var ErrTimeout = errors.New("timed out waiting")

// WaitUntil polls check every interval until it reports done, returns an
// error, or ctx ends; what is waited for is named in the timeout error.
// It is the small waiter the per-service packages share (the SDK's own
// waiters cover only some states, and none of ours on the local endpoint).
//
// A poll that fails with a transient error (throttling, 5xx, a dropped
// connection) even after the SDK's own retries is polled again, up to
// waitTransientPolls times in a row: a long wait meets many more calls than
// one create does, and one unlucky poll must not fail a create that worked.
func WaitUntil(ctx context.Context, what string, interval time.Duration, check func(ctx context.Context) (done bool, err error)) error {
	transient := 0
	for {
		done, err := check(ctx)
		if err != nil {
			if !IsTransient(err) || transient >= waitTransientPolls || ctx.Err() != nil {
				return err
			}
			transient++
		} else {
			transient = 0
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w for %s: %w", ErrTimeout, what, ctx.Err())
		case <-time.After(interval):
		}
	}
}

// waitTransientPolls is how many polls in a row WaitUntil forgives a
// transient error.
const waitTransientPolls = 5

// IsTransient reports an error that another attempt may not meet: the
// service throttled, answered 5xx, or the connection broke after it was
// made. A location found unreachable is not transient.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	var ue *UnreachableError
	if errors.As(err, &ue) {
		return false
	}
	if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == sdkaws.TrueTernary {
		return true
	}
	if HTTPStatus(err) >= http.StatusInternalServerError && !strings.Contains(ErrorCode(err), "NotImplemented") {
		return true
	}
	return retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) == sdkaws.TrueTernary
}

// Retryable reports whether err is worth another attempt around a call
// whose precondition settles with time (a dependency still being released,
// for example), for the codes given.
func Retryable(err error, codes ...string) bool {
	code := ErrorCode(err)
	for _, c := range codes {
		if code == c {
			return true
		}
	}
	return false
}

// Describe formats err for a diagnostic: the component, then the AWS error
// code when there is one, then the cause.
func Describe(component string, err error) string {
	code := ErrorCode(err)
	var b strings.Builder
	if component != "" {
		fmt.Fprintf(&b, "component %q: ", component)
	}
	if code != "" {
		fmt.Fprintf(&b, "AWS error code %s: ", code)
	}
	b.WriteString(err.Error())
	return b.String()
}

// IsNotImplemented reports an answer that means "this endpoint does not
// implement the call": the local endpoint answers 500 (NotImplementedError) or an
// HTML 404 without an AWS error code for operations it lacks, such as
// CreateBackupSelection, StartBackupJob or UpdateBackupPlan, and callers
// then degrade with a warning. That accommodation is for a local endpoint
// only: without an endpoint override (overridden false) it is always false,
// so a 5xx from real AWS stays the error it is (retried, then reported).
func IsNotImplemented(err error, overridden bool) bool {
	if err == nil || !overridden {
		return false
	}
	if IsServerError(err) {
		return true
	}
	if HTTPStatus(err) == http.StatusNotFound {
		code := ErrorCode(err)
		return code == "" || code == "UnknownError" || code == "NotFound" || code == "404"
	}
	return strings.Contains(ErrorCode(err), "NotImplemented")
}

// SystemTag reports a tag key the provider manages itself (ha:*), which is
// kept out of the user's `tags` so it never shows as drift.
func SystemTag(key string) bool { return strings.HasPrefix(key, "ha:") }

// UserTags returns the tags that are not system tags.
func UserTags(all map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range all {
		if !SystemTag(k) {
			out[k] = v
		}
	}
	return out
}

// TagChanges is what turns the tags an object has into want: the tags to
// add or overwrite, and the keys to remove (sorted), leaving alone the keys
// for which keep reports true (tags written by someone else on purpose).
func TagChanges(have, want map[string]string, keep func(string) bool) (add map[string]string, remove []string) {
	for k := range have {
		if _, ok := want[k]; !ok && (keep == nil || !keep(k)) {
			remove = append(remove, k)
		}
	}
	sort.Strings(remove)
	add = map[string]string{}
	for k, v := range want {
		if hv, ok := have[k]; !ok || hv != v {
			add[k] = v
		}
	}
	return add, remove
}

type sessionKey struct{}

// SessionFor returns the one Session of a configured provider, built from
// its backend settings on first use and shared by every AWS backend and
// resource of that provider.
func SessionFor(s *backend.Settings) *Session {
	v, _ := s.Shared(sessionKey{}, func() (any, error) {
		return NewSession(Settings{
			Endpoint:      s.AWS.Endpoint,
			AccessKey:     s.AWS.AccessKey,
			SecretKey:     s.AWS.SecretKey,
			Profile:       s.AWS.Profile,
			MaxRetries:    s.AWS.MaxRetries,
			LostLocations: s.AWS.LostLocations,
		}), nil
	})
	return v.(*Session)
}

// MetaTags is every tag of an object described by m: the user's tags plus
// ha:blueprint and ha:component.
func MetaTags(m backend.Meta) map[string]string {
	return Tags(m.Tags, m.Blueprint, m.Component)
}

// SplitTags is the reverse of MetaTags: the blueprint, the component and
// the user's tags (never nil) of an object's tags.
func SplitTags(all map[string]string) (user map[string]string, blueprint, component string) {
	user = map[string]string{}
	for k, v := range all {
		switch k {
		case TagBlueprint:
			blueprint = v
		case TagComponent:
			component = v
		default:
			user[k] = v
		}
	}
	return user, blueprint, component
}

// ClientToken is a fresh idempotency token for one create: the SDK resends
// the same token on its retries, so a create whose answer was lost (the
// object made, the connection dropped) is not made twice.
func ClientToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "ha-" + hex.EncodeToString(b)
}
