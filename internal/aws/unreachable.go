package aws

import (
	"context"
	"errors"
	"net"
	"net/url"
	"syscall"
)

// IsUnreachable reports whether err means the location's API could not be
// reached at all (refused, no route, DNS failure, dial timeout) as opposed to
// an answer from it. After a region is lost, Delete uses this to forget its
// objects with a warning instead of failing or hanging the apply.
func IsUnreachable(err error) bool {
	var ue *UnreachableError
	if errors.As(err, &ue) {
		return true
	}
	if err == nil || ErrorCode(err) != "" || HTTPStatus(err) != 0 {
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
	for _, errno := range []syscall.Errno{syscall.ECONNREFUSED, syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.ECONNRESET} {
		if errors.Is(err, errno) {
			return true
		}
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) && urlErr.Timeout() {
		return true
	}
	return errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled)
}
