package scaling

import (
	"errors"
	"net/http"
	"testing"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Rolling the instances ourselves when StartInstanceRefresh fails is for an
// endpoint override lacking the call; from AWS the failure is reported.
func TestRefreshUnavailableOnlyWithEndpointOverride(t *testing.T) {
	status := func(code int, err error) error {
		return &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: code}}, Err: err}
	}
	cases := []struct {
		name string
		err  error
		want bool // with an override
	}{
		{"500", status(500, errors.New("internal")), true},
		{"503", status(503, errors.New("unavailable")), true},
		{"InvalidAction", status(400, &smithy.GenericAPIError{Code: "InvalidAction"}), true},
		{"validation", status(400, &smithy.GenericAPIError{Code: "ValidationError"}), false},
	}
	for _, c := range cases {
		if got := refreshUnavailable(c.err, true); got != c.want {
			t.Errorf("%s with override: %v, want %v", c.name, got, c.want)
		}
		if refreshUnavailable(c.err, false) {
			t.Errorf("%s without override: taken as unavailable, want an error", c.name)
		}
	}
}
