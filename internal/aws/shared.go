package aws

import (
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
)

type sessionKey struct{}

// SessionFrom is the one AWS session of a provider's backend settings,
// shared by every AWS backend factory (created from s.AWS on first use).
func SessionFrom(s *backend.Settings) (*Session, error) {
	v, err := s.Shared(sessionKey{}, func() (any, error) {
		return NewSession(Settings{
			Endpoint: s.AWS.Endpoint, AccessKey: s.AWS.AccessKey, SecretKey: s.AWS.SecretKey,
			Profile: s.AWS.Profile, MaxRetries: s.AWS.MaxRetries, LostLocations: s.AWS.LostLocations,
		}), nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Session), nil
}

// ShareSession makes sess the session SessionFrom returns for s, so that
// resources built on the registry and those holding a session directly
// share one (and one view of which locations are unreachable). It has no
// effect once SessionFrom has run for s.
func ShareSession(s *backend.Settings, sess *Session) {
	_, _ = s.Shared(sessionKey{}, func() (any, error) { return sess, nil })
}
