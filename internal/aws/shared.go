package aws

import (
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
)

// SessionFrom is SessionFor with the error-returning shape the registry
// factories use; every AWS backend of a provider shares that one session.
func SessionFrom(s *backend.Settings) (*Session, error) {
	return SessionFor(s), nil
}
