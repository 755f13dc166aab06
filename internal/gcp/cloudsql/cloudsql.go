// Package cloudsql implements the GCP backends of databases and database
// replicas on Cloud SQL (sqladmin v1beta4): instances with REGIONAL
// availability for high availability, automated backups with point-in-time
// recovery, cross-region read replicas and their promotion.
package cloudsql

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/api/googleapi"
	sqladmin "google.golang.org/api/sqladmin/v1beta4"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/gcp"
	"github.com/ha-blueprints/terraform-provider-ha/internal/lazyregexp"
)

// client is the Cloud SQL Admin client of one provider.
type client struct {
	svc     *sqladmin.Service
	project string
	region  string
}

type serviceKey struct{}

func open(ctx context.Context, s *backend.Settings, region string) (*client, error) {
	sess, err := gcp.SessionFor(s, region)
	if err != nil {
		return nil, err
	}
	v, err := s.Shared(serviceKey{}, func() (any, error) {
		opts, err := sess.ClientOptions(gcp.SQLAdmin)
		if err != nil {
			return nil, err
		}
		svc, err := sqladmin.NewService(context.WithoutCancel(ctx), opts...)
		if err != nil {
			return nil, fmt.Errorf("create Cloud SQL Admin client: %w", err)
		}
		return svc, nil
	})
	if err != nil {
		return nil, err
	}
	return &client{svc: v.(*sqladmin.Service), project: sess.Project(), region: region}, nil
}

func init() {
	registerDatabase()
	registerReplica()
	registerBackupPlan()
}

func (c *client) wrap(err error) error { return gcp.Unreachable(c.region, err) }

// wait polls a Cloud SQL operation until DONE and returns its error; a
// nil operation is a change found already made (adopted), nothing to wait
// for.
func (c *client) wait(ctx context.Context, op *sqladmin.Operation, what string) error {
	for op != nil && op.Status != "DONE" {
		if err := gcp.Sleep(ctx, gcp.Poll); err != nil {
			return fmt.Errorf("timed out waiting to %s: %w", what, err)
		}
		name := op.Name
		err := gcp.Call(ctx, func() error {
			var err error
			op, err = c.svc.Operations.Get(c.project, name).Context(ctx).Do()
			return err
		})
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	if op != nil && op.Error != nil && len(op.Error.Errors) > 0 {
		e := op.Error.Errors[0]
		return &gcp.OperationError{What: what, Code: e.Code, Message: e.Message}
	}
	return nil
}

// do runs a call returning an operation, retrying throttling and transient
// errors, and waits for it.
// An instance busy with another operation (a replica being made of it, a
// backup, a patch from another resource of the same apply) answers 409
// operationInProgress: the call is made again once that one is done.
func (c *client) do(ctx context.Context, what string, f func() (*sqladmin.Operation, error)) error {
	var op *sqladmin.Operation
	for {
		err := gcp.Call(ctx, func() error {
			var err error
			op, err = f()
			return err
		})
		if err == nil {
			break
		}
		if gcp.Reason(err) != "operationInProgress" {
			return fmt.Errorf("%s: %w", what, err)
		}
		if err := gcp.Sleep(ctx, gcp.Poll); err != nil {
			return fmt.Errorf("%s: the instance stayed busy with another operation: %w", what, err)
		}
	}
	return c.wait(ctx, op, what)
}

func (c *client) get(ctx context.Context, name string) (*sqladmin.DatabaseInstance, error) {
	var inst *sqladmin.DatabaseInstance
	err := gcp.Call(ctx, func() error {
		var err error
		inst, err = c.svc.Instances.Get(c.project, name).Context(ctx).Do()
		return err
	})
	if gcp.IsNotFound(err) || isSQLNotFound(err) {
		return nil, backend.NotFound("Cloud SQL instance", name)
	}
	if err != nil {
		return nil, fmt.Errorf("read Cloud SQL instance %s: %w", name, err)
	}
	return inst, nil
}

// isSQLNotFound: Cloud SQL answers a missing instance with 403 "The Cloud
// SQL instance does not exist" when the caller may not list the project.
func isSQLNotFound(err error) bool {
	var ge *googleapi.Error
	return errors.As(err, &ge) && ge.Code == 403 && strings.Contains(ge.Message, "does not exist")
}

// waitRunnable polls until the instance is RUNNABLE.
func (c *client) waitRunnable(ctx context.Context, name string) (*sqladmin.DatabaseInstance, error) {
	for {
		inst, err := c.get(ctx, name)
		if err != nil {
			return nil, err
		}
		switch inst.State {
		case "RUNNABLE":
			return inst, nil
		case "FAILED", "SUSPENDED", "MAINTENANCE_FAILED":
			return nil, fmt.Errorf("instance %s is %s", name, inst.State)
		}
		if err := gcp.Sleep(ctx, gcp.Poll); err != nil {
			return nil, fmt.Errorf("timed out waiting for Cloud SQL instance %s to become RUNNABLE (now %s): %w", name, inst.State, err)
		}
	}
}

var versionRE = lazyregexp.New(`^(\d+)(?:\.(\d+))?`)

// databaseVersion maps engine and version to Cloud SQL's enum:
// postgres 16 → POSTGRES_16, mysql 8.0 → MYSQL_8_0.
func databaseVersion(engine, version string) (string, error) {
	switch strings.ToLower(engine) {
	case "postgres", "postgresql":
		if version == "" {
			return "POSTGRES_16", nil
		}
		m := versionRE.FindStringSubmatch(version)
		if m == nil {
			return "", fmt.Errorf("postgres version %q is not a number", version)
		}
		return "POSTGRES_" + m[1], nil
	case "mysql":
		if version == "" {
			return "MYSQL_8_0", nil
		}
		m := versionRE.FindStringSubmatch(version)
		if m == nil {
			return "", fmt.Errorf("mysql version %q is not a number", version)
		}
		minor := m[2]
		if minor == "" {
			minor = "0"
		}
		return "MYSQL_" + m[1] + "_" + minor, nil
	}
	return "", fmt.Errorf("engine %q is not available on Cloud SQL here (postgres, mysql)", engine)
}

// engineOf is the inverse of databaseVersion.
func engineOf(v string) (engine, version string) {
	parts := strings.Split(v, "_")
	switch parts[0] {
	case "POSTGRES":
		return "postgres", strings.Join(parts[1:], ".")
	case "MYSQL":
		return "mysql", strings.Join(parts[1:], ".")
	}
	return strings.ToLower(v), ""
}

var tierRE = lazyregexp.New(`^db-(custom-\d+-\d+|f1-micro|g1-small|n1-(standard|highmem)-\d+|perf-optimized-N-\d+)$`)

// IsTier reports whether tier has the shape of a Cloud SQL tier
// (db-custom-2-7680, db-g1-small); the provider's plan-time check of a
// database's instance class asks it too.
func IsTier(tier string) bool { return tierRE.MatchString(tier) }

// checkTier refuses sizes of other clouds ("db.t3.micro") at plan time.
func checkTier(tier string) error {
	if tier == "" || IsTier(tier) {
		return nil
	}
	return fmt.Errorf("%q is not a Cloud SQL tier (for example db-custom-2-7680)", tier)
}

var labelRE = lazyregexp.New(`[^a-z0-9_-]+`)

func labels(m backend.Meta) map[string]string {
	out := map[string]string{}
	put := func(k, v string) {
		k = labelRE.ReplaceAllString(strings.ToLower(k), "-")
		v = labelRE.ReplaceAllString(strings.ToLower(v), "-")
		if len(k) > 63 {
			k = k[:63]
		}
		if len(v) > 63 {
			v = v[:63]
		}
		if k != "" {
			out[k] = v
		}
	}
	for k, v := range m.Tags {
		put(k, v)
	}
	if m.Component != "" {
		out["ha-component"] = keyLabel(m.Component)
	}
	if m.Blueprint != "" {
		put("ha-blueprint", m.Blueprint)
	}
	return out
}

// keyLabel spells a component key ("east/orders/database") as a label value
// that labelKey reads back, since an import has only the labels to go by:
// a-z, 0-9 and - stand for themselves, _0 is /, _1 is _, _2 is ., and _ and
// a letter is that letter in upper case. Any other character, or a key
// longer than a label holds, gives a value that does not read back.
func keyLabel(key string) string {
	var b strings.Builder
	for _, r := range key {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		case r == '/':
			b.WriteString("_0")
		case r == '_':
			b.WriteString("_1")
		case r == '.':
			b.WriteString("_2")
		case r >= 'A' && r <= 'Z':
			b.WriteByte('_')
			b.WriteRune(r - 'A' + 'a')
		default:
			b.WriteString("_9") // not read back
		}
	}
	v := b.String()
	if len(v) > 63 {
		v = v[:63]
	}
	return v
}

// labelKey reads keyLabel's value back; ok is false when it cannot (a
// value keyLabel clipped or could not spell).
func labelKey(v string) (key string, ok bool) {
	if len(v) >= 63 {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c != '_' {
			b.WriteByte(c)
			continue
		}
		if i+1 == len(v) {
			return "", false
		}
		i++
		switch n := v[i]; {
		case n == '0':
			b.WriteByte('/')
		case n == '1':
			b.WriteByte('_')
		case n == '2':
			b.WriteByte('.')
		case n >= 'a' && n <= 'z':
			b.WriteByte(n - 'a' + 'A')
		default:
			return "", false
		}
	}
	return b.String(), true
}

// backupConfig is automated daily backups kept retention days, with
// point-in-time recovery (postgres: WAL archiving; mysql: binary log),
// starting at the window's start ("03:00-04:00" → "03:00").
func backupConfig(engine string, retention int, window, location string) *sqladmin.BackupConfiguration {
	if retention <= 0 {
		return &sqladmin.BackupConfiguration{Enabled: false, ForceSendFields: []string{"Enabled", "PointInTimeRecoveryEnabled", "BinaryLogEnabled"}}
	}
	b := &sqladmin.BackupConfiguration{
		Enabled:                     true,
		BackupRetentionSettings:     &sqladmin.BackupRetentionSettings{RetainedBackups: int64(retention), RetentionUnit: "COUNT"},
		TransactionLogRetentionDays: int64(min(retention, 7)),
		Location:                    location,
	}
	if start, _, ok := strings.Cut(window, "-"); ok {
		b.StartTime = start
	}
	if engine == "mysql" {
		b.BinaryLogEnabled = true
	} else {
		b.PointInTimeRecoveryEnabled = true
	}
	return b
}

// address is the instance's primary (public, else private) IP.
func address(inst *sqladmin.DatabaseInstance) string {
	for _, t := range []string{"PRIMARY", "PRIVATE"} {
		for _, ip := range inst.IpAddresses {
			if ip.Type == t {
				return ip.IpAddress
			}
		}
	}
	return ""
}

func port(engine string) int {
	if engine == "mysql" {
		return 3306
	}
	return 5432
}

func endpoint(addr string, p int) string {
	if addr == "" {
		return ""
	}
	return addr + ":" + strconv.Itoa(p)
}

// defaultUser is the engine's built-in superuser, which RootPassword sets.
func defaultUser(engine string) string {
	if engine == "mysql" {
		return "root"
	}
	return "postgres"
}

// setUser creates or updates a user's password. The password never
// appears in errors or logs.
func (c *client) setUser(ctx context.Context, instance, engine, name, password string) error {
	if name == "" || password == "" {
		return nil
	}
	u := &sqladmin.User{Name: name, Password: password}
	host := ""
	if engine == "mysql" {
		host, u.Host = "%", "%"
	}
	err := c.do(ctx, "set password of user "+name, func() (*sqladmin.Operation, error) {
		call := c.svc.Users.Update(c.project, instance, u).Name(name).Context(ctx)
		if host != "" {
			call = call.Host(host)
		}
		return call.Do()
	})
	if err != nil && (gcp.IsNotFound(err) || strings.Contains(err.Error(), "does not exist")) {
		return c.do(ctx, "create user "+name, func() (*sqladmin.Operation, error) {
			return c.svc.Users.Insert(c.project, instance, u).Context(ctx).Do()
		})
	}
	return err
}

// importedMeta is meta with the blueprint and user labels of an imported
// instance; the reserved ha-* labels are not user tags.
func importedMeta(meta backend.Meta, userLabels map[string]string) backend.Meta {
	meta.Blueprint = userLabels["ha-blueprint"]
	if key, ok := labelKey(userLabels["ha-component"]); ok {
		meta.Component = key
	}
	for k, v := range userLabels {
		if strings.HasPrefix(k, "ha-") {
			continue
		}
		if meta.Tags == nil {
			meta.Tags = map[string]string{}
		}
		meta.Tags[k] = v
	}
	return meta
}

// masterUser is the user an imported instance was made with: the one
// user that is not the engine's built-in one nor Cloud SQL's own.
func (c *client) masterUser(ctx context.Context, instance, engine string) (string, error) {
	var users *sqladmin.UsersListResponse
	err := gcp.Call(ctx, func() error {
		var err error
		users, err = c.svc.Users.List(c.project, instance).Context(ctx).Do()
		return err
	})
	if err != nil {
		return "", fmt.Errorf("list users of %s: %w", instance, err)
	}
	found := ""
	for _, u := range users.Items {
		if u.Name == defaultUser(engine) || strings.HasPrefix(u.Name, "cloudsql") {
			continue
		}
		if found != "" {
			return defaultUser(engine), nil // more than one: the built-in superuser holds the password
		}
		found = u.Name
	}
	if found == "" {
		return defaultUser(engine), nil
	}
	return found, nil
}
