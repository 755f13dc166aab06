package sweep

import (
	"context"

	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
)

func route53Leftovers(ctx context.Context, s *awsbase.Session, blueprint string) ([]string, error) {
	return nil, nil
}

func route53Sweep(ctx context.Context, s *awsbase.Session, blueprint string) error { return nil }
