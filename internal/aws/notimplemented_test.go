package aws

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func respErr(status int, err error) error {
	return &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: err}
}

func TestIsNotImplemented(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"500 html (moto NotImplementedError)", respErr(500, errors.New("invalid character '<'")), true},
		{"404 without code (moto has no route)", respErr(404, errors.New("not found")), true},
		{"404 ResourceNotFoundException is a real answer", respErr(404, &smithy.GenericAPIError{Code: "ResourceNotFoundException"}), false},
		{"400 validation", respErr(400, &smithy.GenericAPIError{Code: "InvalidParameterValueException"}), false},
		{"plain error", errors.New("dial tcp: refused"), false},
	}
	for _, c := range cases {
		if got := IsNotImplemented(c.err, true); got != c.want {
			t.Errorf("%s, endpoint overridden: got %v, want %v", c.name, got, c.want)
		}
		// Against AWS itself nothing is taken for a missing call: a 5xx
		// is an error like any other.
		if IsNotImplemented(c.err, false) {
			t.Errorf("%s, no endpoint override: taken as not implemented", c.name)
		}
	}
}

func TestDescribeNamesComponentAndCode(t *testing.T) {
	err := respErr(400, &smithy.GenericAPIError{Code: "InvalidParameterCombination", Message: "protected"})
	if got := Describe("east/orders/database", err); !strings.HasPrefix(got, `component "east/orders/database": AWS error code InvalidParameterCombination: `) {
		t.Errorf("Describe = %q", got)
	}
}
