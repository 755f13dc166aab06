package aws

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// A real SDK call to a closed port is unreachable; an HTTP error answer is not.
func TestIsUnreachable_realSDKErrors(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	_ = l.Close()

	s := NewSession(Settings{Endpoint: closed, AccessKey: "a", SecretKey: "b", MaxRetries: 0})
	cfg, err := s.Config(context.Background(), "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err == nil || !IsUnreachable(err) {
		t.Fatalf("closed port: IsUnreachable(%v) = false", err)
	}

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusForbidden)
		_, _ = fmt.Fprint(w, `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>bad</Message></Error></ErrorResponse>`)
	}))
	defer srv.Close()
	s2 := NewSession(Settings{Endpoint: srv.URL, AccessKey: "a", SecretKey: "b", MaxRetries: 0})
	cfg2, _ := s2.Config(context.Background(), "us-east-1")
	_, err = sts.NewFromConfig(cfg2).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err == nil || IsUnreachable(err) {
		t.Fatalf("HTTP 403 answer: IsUnreachable(%v) = true", err)
	}
	if ErrorCode(err) != "InvalidClientTokenId" {
		t.Errorf("ErrorCode = %q", ErrorCode(err))
	}
	if IsUnreachable(nil) || IsUnreachable(errors.New("plain")) {
		t.Error("nil or plain errors are not unreachable")
	}
}
