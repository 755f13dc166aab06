package aws

import (
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func awsRespErr(status int, err error) error {
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: err}}
}

// An emulator's "not implemented" 500 (no error code) is not retried; a
// throttle and a 500 with an error code still are.
func TestNoRetryNotImplemented(t *testing.T) {
	r := NoRetryNotImplemented(retry.NewStandard())
	if r.IsErrorRetryable(awsRespErr(500, &smithy.GenericAPIError{})) {
		t.Error("a 500 without an error code is retried")
	}
	if !r.IsErrorRetryable(awsRespErr(500, &smithy.GenericAPIError{Code: "InternalFailure"})) {
		t.Error("a 500 InternalFailure is not retried")
	}
	if !r.IsErrorRetryable(awsRespErr(400, &smithy.GenericAPIError{Code: "ThrottlingException"})) {
		t.Error("a throttle is not retried")
	}
}
