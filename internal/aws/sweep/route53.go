package sweep

import (
	"context"

	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/route53"
)

func route53Leftovers(ctx context.Context, s *awsbase.Session, blueprint string) ([]string, error) {
	b, err := route53.New(ctx, s, "")
	if err != nil {
		return nil, err
	}
	hcs, zones, err := b.Owned(ctx, blueprint)
	if err != nil {
		return nil, err
	}
	var out []string
	for id, name := range hcs {
		out = append(out, "Route 53 health check "+id+" ("+name+")")
	}
	for id := range zones {
		out = append(out, "Route 53 hosted zone "+id)
	}
	return out, nil
}

func route53Sweep(ctx context.Context, s *awsbase.Session, blueprint string) error {
	b, err := route53.New(ctx, s, "")
	if err != nil {
		return err
	}
	return b.Sweep(ctx, blueprint)
}
