// Package sweep finds and deletes what tests (or a failed apply) left
// behind: every load balancer, target group, Auto Scaling group, launch
// template and network tagged ha:blueprint, per location. Tests call
// Leftovers from CheckDestroy and Sweep to clean up.
package sweep

import (
	"context"
	"errors"
	"fmt"
	"sort"

	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/loadbalancer"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/scaling"
)

// Leftovers lists what is tagged ha:blueprint=blueprint ("" for any
// blueprint) in the locations, as "location kind name" strings.
func Leftovers(ctx context.Context, s *awsbase.Session, locations []string, blueprint string) ([]string, error) {
	var out []string
	for _, loc := range locations {
		lbc, err := loadbalancer.New(ctx, s, loc)
		if err != nil {
			return nil, err
		}
		lbs, tgs, err := lbc.Owned(ctx, blueprint)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", loc, err)
		}
		for _, n := range lbs {
			out = append(out, loc+" load balancer "+n)
		}
		for _, n := range tgs {
			out = append(out, loc+" target group "+n)
		}
		sc, err := scaling.New(ctx, s, loc)
		if err != nil {
			return nil, err
		}
		groups, templates, err := sc.Owned(ctx, blueprint)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", loc, err)
		}
		for _, n := range groups {
			out = append(out, loc+" Auto Scaling group "+n)
		}
		for _, n := range templates {
			out = append(out, loc+" launch template "+n)
		}
		more, err := route53Leftovers(ctx, s, blueprint)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	sort.Strings(out)
	return dedupe(out), nil
}

func dedupe(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// Sweep deletes what Leftovers would list; groups first, then load
// balancers (with their target groups and networks), then DNS.
func Sweep(ctx context.Context, s *awsbase.Session, locations []string, blueprint string) error {
	err := SweepRegional(ctx, s, locations, blueprint)
	return errors.Join(err, route53Sweep(ctx, s, blueprint))
}

// SweepRegional deletes what Sweep does but Route 53, which is global: what
// a regional outage takes away (tests simulate a lost region with it).
func SweepRegional(ctx context.Context, s *awsbase.Session, locations []string, blueprint string) error {
	var errs []error
	for _, loc := range locations {
		sc, err := scaling.New(ctx, s, loc)
		if err != nil {
			return err
		}
		groups, templates, err := sc.Owned(ctx, blueprint)
		if err != nil {
			errs = append(errs, err)
		}
		for _, n := range append(groups, templates...) {
			if err := sc.Delete(ctx, n); err != nil {
				errs = append(errs, err)
			}
		}
		lbc, err := loadbalancer.New(ctx, s, loc)
		if err != nil {
			return err
		}
		lbs, tgs, err := lbc.Owned(ctx, blueprint)
		if err != nil {
			errs = append(errs, err)
		}
		for arn, n := range lbs {
			if err := lbc.Delete(ctx, arn, n); err != nil {
				errs = append(errs, err)
			}
		}
		for _, n := range tgs {
			if err := lbc.Delete(ctx, "", n); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
