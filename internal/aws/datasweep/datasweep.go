// Package datasweep finds and removes leftovers of the data resources (DB
// instances and snapshots, backup plans and vaults, vault KMS keys) by their
// ha:blueprint tag. Tests use it in CheckDestroy and as a cleanup.
package datasweep

import (
	"context"
	"errors"
	"fmt"
	"sort"

	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/backup"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/rds"
)

// Leftover is one object still present.
type Leftover struct {
	Kind     string // db_instance, db_snapshot, backup_plan, backup_vault, kms_key
	Location string
	ID       string
}

func (l Leftover) String() string { return fmt.Sprintf("%s %s in %s", l.Kind, l.ID, l.Location) }

// Find lists objects tagged ha:blueprint=blueprint in the locations (any
// blueprint when blueprint is "").
func Find(ctx context.Context, s *awsbase.Session, locations []string, blueprint string) ([]Leftover, error) {
	var out []Leftover
	for _, loc := range locations {
		cfg, err := s.Config(ctx, loc)
		if err != nil {
			return nil, err
		}
		rc, bc := rds.New(cfg), backup.New(cfg)
		insts, err := rc.ListInstances(ctx)
		if err != nil {
			return nil, err
		}
		for _, i := range insts {
			if owned(i.Tags, blueprint) {
				out = append(out, Leftover{"db_instance", loc, i.Identifier})
			}
		}
		snaps, err := rc.ListSnapshots(ctx)
		if err != nil {
			return nil, err
		}
		for _, sn := range snaps {
			if owned(sn.Tags, blueprint) {
				out = append(out, Leftover{"db_snapshot", loc, sn.Identifier})
			}
		}
		plans, err := bc.ListPlans(ctx)
		if err != nil {
			return nil, err
		}
		for _, p := range plans {
			if owned(p.Tags, blueprint) {
				out = append(out, Leftover{"backup_plan", loc, p.ID})
			}
		}
		vaults, err := bc.ListVaults(ctx)
		if err != nil {
			return nil, err
		}
		for _, v := range vaults {
			if owned(v.Tags, blueprint) {
				out = append(out, Leftover{"backup_vault", loc, v.Name})
			}
		}
		keys, err := bc.ListKeysTagged(ctx, awsbase.TagBlueprint, blueprint)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			out = append(out, Leftover{"kms_key", loc, k})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out, nil
}

// Sweep deletes what Find finds (instances without final snapshots, after
// lifting deletion protection) and returns what it removed.
func Sweep(ctx context.Context, s *awsbase.Session, locations []string, blueprint string) ([]Leftover, error) {
	found, err := Find(ctx, s, locations, blueprint)
	if err != nil {
		return nil, err
	}
	var errs []error
	// Replicas before their sources, plans before vaults, vaults before keys.
	order := map[string]int{"db_instance": 0, "db_snapshot": 1, "backup_plan": 2, "backup_vault": 3, "kms_key": 4}
	sort.SliceStable(found, func(i, j int) bool { return order[found[i].Kind] < order[found[j].Kind] })
	var insts []Leftover
	for _, l := range found {
		if l.Kind == "db_instance" {
			insts = append(insts, l)
		}
	}
	errs = append(errs, sweepInstances(ctx, s, insts)...)
	for _, l := range found {
		cfg, err := s.Config(ctx, l.Location)
		if err != nil {
			return nil, err
		}
		switch l.Kind {
		case "db_snapshot":
			err = rds.New(cfg).DeleteSnapshot(ctx, l.ID)
		case "backup_plan":
			err = backup.New(cfg).DeletePlan(ctx, l.ID)
		case "backup_vault":
			err = backup.New(cfg).DeleteVault(ctx, l.ID)
		case "kms_key":
			err = backup.New(cfg).RetireKey(ctx, l.ID)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return found, errors.Join(errs...)
}

// sweepInstances deletes replicas first; cross-region replicas are
// promoted before deletion because the local endpoint answers 500 to deleting a
// never-promoted cross-region replica.
func sweepInstances(ctx context.Context, s *awsbase.Session, insts []Leftover) []error {
	var errs []error
	for pass := 0; pass < 2; pass++ {
		for _, l := range insts {
			cfg, err := s.Config(ctx, l.Location)
			if err != nil {
				return append(errs, err)
			}
			c := rds.New(cfg)
			inst, err := c.Get(ctx, l.ID)
			if errors.Is(err, rds.ErrNotFound) {
				continue
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if pass == 0 && !inst.IsReplica() {
				continue // sources in the second pass
			}
			if inst.IsReplica() {
				if err := c.Promote(ctx, l.ID, 0, ""); err != nil {
					errs = append(errs, err)
					continue
				}
			}
			off := false
			if inst.DeletionProtection {
				if err := c.Modify(ctx, l.ID, rds.ModifyInput{DeletionProtection: &off}); err != nil {
					errs = append(errs, err)
					continue
				}
			}
			if err := c.Delete(ctx, l.ID, rds.DeleteInput{SkipFinalSnapshot: true}); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errs
}

// owned reports tags of an object of blueprint ("" for any blueprint).
func owned(tags map[string]string, blueprint string) bool {
	v := tags[awsbase.TagBlueprint]
	return v != "" && (blueprint == "" || v == blueprint)
}
