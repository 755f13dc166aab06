// Package alertexporter is the bare_metal alerts backend: a small exporter,
// a POSIX shell script on one host of the region, polls each alarm's object
// (a UPS through NUT's upsc, a load balancer's hosts through its health
// check) and posts each alarm's state changes, OK to
// ALARM and back, as JSON to the webhooks with curl. Bare-metal sites have
// no topic service, so the webhooks are the notification targets.
//
// The files go over SSH (hostdeliver); the exporter runs in its own
// session through a pid file (no systemd needed, as in the namespace test
// hosts). Read parses the delivered configuration back, so a hand edit on
// the host shows as drift.
package alertexporter

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/ha-blueprints/terraform-provider-ha/internal/alerts"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/hostdeliver"
	"github.com/ha-blueprints/terraform-provider-ha/internal/lazyregexp"
)

func init() {
	alerts.Register(backend.BareMetal, func(_ context.Context, s *backend.Settings, location string) (alerts.Backend, error) {
		hs, err := hostdeliver.ForLocation(s, location)
		if err != nil {
			return nil, err
		}
		return &Backend{SSH: hs}, nil
	})
}

//go:embed exporter.sh
var exporterScript []byte

//go:embed ctl.sh
var ctlScript []byte

// DefaultBaseDir holds each exporter's files under DefaultBaseDir/NAME.
const DefaultBaseDir = "/var/lib/ha-alerts"

// Metrics are the alarm metrics the exporter can watch.
var Metrics = []string{alerts.MetricUPSOnBattery, alerts.MetricUPSLowRuntime, alerts.MetricUnhealthyHosts}

// Backend delivers and runs the exporter over SSH.
type Backend struct {
	SSH hostdeliver.Settings
}

// Names go unescaped into the JSON bodies and the tab-separated
// configuration, so they are held to a plain alphabet. (The length is
// checked apart: a regexp's {1,256} compiles to 256 copies, at every
// process start.)
var (
	safeChars = lazyregexp.New(`^[A-Za-z0-9._:/-]+$`)
	nutTarget = lazyregexp.New(`^[A-Za-z0-9._-]+@[A-Za-z0-9.:\[\]-]+$`)
	urlTarget = lazyregexp.New(`^https?://[A-Za-z0-9.:\[\]_-]+(/[A-Za-z0-9._~/%-]*)?$`)
)

func safeName(s string) bool { return len(s) <= 256 && safeChars.MatchString(s) }

// CheckTarget reports whether target is what the exporter watches for
// metric: a NUT address (UPS@HOST[:PORT]) for the UPS metrics, the
// comma-separated health check URLs of a load balancer's hosts for
// unhealthy_hosts.
func CheckTarget(metric, target string) error {
	switch metric {
	case alerts.MetricUPSOnBattery, alerts.MetricUPSLowRuntime:
		if !nutTarget.MatchString(target) {
			return fmt.Errorf("target %q is not a NUT address (UPS@HOST[:PORT])", target)
		}
	case alerts.MetricUnhealthyHosts:
		for _, u := range strings.Split(target, ",") {
			if !urlTarget.MatchString(u) {
				return fmt.Errorf("target %q: %q is not a health check URL (http://HOST:PORT/PATH; targets are the hosts' URLs, comma-separated)", target, u)
			}
		}
	default:
		return fmt.Errorf("metric %q is not watched on bare metal in this version (watched: %s)", metric, strings.Join(Metrics, ", "))
	}
	return nil
}

// CheckSpec reports what makes spec impossible on bare metal, for plan time.
func CheckSpec(spec alerts.Spec) error {
	var errs []error
	if spec.BareMetal == nil || spec.BareMetal.Host.Name == "" || spec.BareMetal.Host.Address == "" {
		errs = append(errs, errors.New("bare-metal alerts need the host that runs the exporter (its name and address)"))
	}
	if len(spec.Emails) > 0 {
		errs = append(errs, errors.New("emails: bare-metal alerts notify webhooks only (a site has no mail service to hand them to); put the addresses behind a webhook"))
	}
	for _, w := range spec.Webhooks {
		u, err := url.Parse(w)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(w, " \t\n") {
			errs = append(errs, fmt.Errorf("webhook %q is not an http(s) URL", redact(w)))
		}
	}
	seen := map[string]bool{}
	for _, a := range spec.Alarms {
		if !safeName(a.Name) {
			errs = append(errs, fmt.Errorf("alarm %q: names are letters, digits and . _ : / -", a.Name))
		}
		if seen[a.Name] {
			errs = append(errs, fmt.Errorf("alarm %q is listed twice", a.Name))
		}
		seen[a.Name] = true
		if a.Component != "" && !safeName(a.Component) {
			errs = append(errs, fmt.Errorf("alarm %s: component %q: letters, digits and . _ : / -", a.Name, a.Component))
		}
		if err := CheckTarget(a.Metric, a.Target); err != nil {
			errs = append(errs, fmt.Errorf("alarm %s: %w", a.Name, err))
		}
		switch a.Comparison {
		case ">", ">=", "<", "<=":
		default:
			errs = append(errs, fmt.Errorf("alarm %s: comparison %q is none of >, >=, <, <=", a.Name, a.Comparison))
		}
		if a.Period < 1 {
			errs = append(errs, fmt.Errorf("alarm %s: period %d: the exporter polls every period seconds, at least 1", a.Name, a.Period))
		}
		if a.EvaluationPeriods < 1 {
			errs = append(errs, fmt.Errorf("alarm %s: evaluation_periods %d: at least 1", a.Name, a.EvaluationPeriods))
		}
	}
	return errors.Join(errs...)
}

// redact hides a URL's credentials and query, which often carry a token.
func redact(w string) string {
	u, err := url.Parse(w)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.User != nil {
		u.User = url.User("***")
	}
	if u.RawQuery != "" {
		u.RawQuery = "***"
	}
	return u.String()
}

// Dir is where spec's exporter keeps its files.
func Dir(spec alerts.Spec) string {
	base := DefaultBaseDir
	if spec.BareMetal != nil && spec.BareMetal.BaseDir != "" {
		base = strings.TrimRight(spec.BareMetal.BaseDir, "/")
	}
	return base + "/" + spec.Name
}

// Files are the exporter's files for spec.
func Files(spec alerts.Spec) []hostdeliver.File {
	d := Dir(spec)
	var alarms strings.Builder
	for _, a := range spec.Alarms {
		fmt.Fprintf(&alarms, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\n", a.Name, a.Component, a.Metric, a.Target, a.Comparison,
			strconv.FormatFloat(a.Threshold, 'g', -1, 64), a.Period, a.EvaluationPeriods)
	}
	hooks := append([]string(nil), spec.Webhooks...)
	sort.Strings(hooks)
	var wh strings.Builder
	for _, w := range hooks {
		wh.WriteString(w + "\n")
	}
	return []hostdeliver.File{
		{Path: d + "/exporter.sh", Content: exporterScript, Mode: 0o700},
		{Path: d + "/ctl.sh", Content: ctlScript, Mode: 0o700},
		{Path: d + "/alarms.conf", Content: []byte(alarms.String()), Mode: 0o600},
		// Webhook URLs often carry a token: readable by root only.
		{Path: d + "/webhooks.conf", Content: []byte(wh.String()), Mode: 0o600},
	}
}

func daemon(spec alerts.Spec) hostdeliver.Daemon {
	ctl := hostdeliver.Quote(Dir(spec) + "/ctl.sh")
	return hostdeliver.Daemon{
		Name:  "alerts exporter",
		Files: Files(spec),
		// The exporter needs upsc (Debian nut-client) and curl: a host
		// without them fails here, before anything is started.
		Check:  "sh -n " + hostdeliver.Quote(Dir(spec)+"/exporter.sh") + " && command -v upsc >/dev/null || { echo 'upsc not found: install nut-client' >&2; exit 1; }; command -v curl >/dev/null || { echo 'curl not found: install curl' >&2; exit 1; }",
		Reload: "sh " + ctl + " restart",
		Stop:   "if [ -f " + ctl + " ]; then sh " + ctl + " stop; fi",
	}
}

func target(spec alerts.Spec) hostdeliver.Target {
	h := spec.BareMetal.Host
	return hostdeliver.Target{Name: h.Name, Address: h.Address, HostKey: h.HostKey}
}

// Apply delivers the exporter's files and (re)starts it when they changed
// or it does not run. A host that moved (another exporter host) gets the
// exporter first, then the old host's is removed.
func (b *Backend) Apply(ctx context.Context, spec alerts.Spec, previous *alerts.Status) (*alerts.Status, error) {
	if err := CheckSpec(spec); err != nil {
		return nil, fmt.Errorf("alerts %s: %w", spec.Name, err)
	}
	c, err := hostdeliver.Dial(ctx, b.SSH, target(spec))
	if err != nil {
		return nil, err
	}
	defer func() { _ = c.Close() }()
	d := daemon(spec)
	_, notRunning := c.Run(ctx, "sh "+hostdeliver.Quote(Dir(spec)+"/ctl.sh")+" running", nil)
	if _, err := c.Apply(ctx, d, notRunning != nil); err != nil {
		if previous == nil {
			_ = c.Remove(ctx, d)
			_, _ = c.Run(ctx, "rm -rf "+hostdeliver.Quote(Dir(spec)), nil)
		}
		return nil, fmt.Errorf("alerts %s: %w", spec.Name, err)
	}
	if previous != nil && previous.Spec.BareMetal != nil && (previous.Spec.BareMetal.Host.Name != spec.BareMetal.Host.Name || Dir(previous.Spec) != Dir(spec)) {
		if err := b.Delete(ctx, previous); err != nil {
			return nil, fmt.Errorf("alerts %s: remove the exporter from its previous host: %w", spec.Name, err)
		}
	}
	return b.status(ctx, c, spec)
}

// status reads the delivered configuration back into a Status.
func (b *Backend) status(ctx context.Context, c *hostdeliver.Client, spec alerts.Spec) (*alerts.Status, error) {
	d := Dir(spec)
	alarms, okA, err := c.ReadFile(ctx, d+"/alarms.conf")
	if err != nil {
		return nil, err
	}
	hooks, okW, err := c.ReadFile(ctx, d+"/webhooks.conf")
	if err != nil {
		return nil, err
	}
	if !okA && !okW {
		return nil, backend.NotFound("alerts", spec.Name)
	}
	got := alerts.Spec{Meta: spec.Meta, BareMetal: spec.BareMetal}
	for _, w := range strings.Split(string(hooks), "\n") {
		if w = strings.TrimSpace(w); w != "" {
			got.Webhooks = append(got.Webhooks, w)
		}
	}
	got.Alarms, err = parseAlarms(string(alarms))
	if err != nil {
		return nil, fmt.Errorf("alerts %s: %s on %s: %w", spec.Name, d+"/alarms.conf", spec.BareMetal.Host.Name, err)
	}
	// A stopped exporter watches nothing: its alarms read as missing, so
	// the plan shows them and the next apply starts it again.
	if _, err := c.Run(ctx, "sh "+hostdeliver.Quote(d+"/ctl.sh")+" running", nil); err != nil {
		got.Alarms = nil
	}
	st := &alerts.Status{Spec: got, TopicID: ID(spec.Location, spec.Name), AlarmIDs: map[string]string{}}
	for _, a := range got.Alarms {
		st.AlarmIDs[a.Name] = st.TopicID + "/" + a.Name
	}
	return st, nil
}

func parseAlarms(text string) ([]alerts.Alarm, error) {
	var out []alerts.Alarm
	for i, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 8 {
			return nil, fmt.Errorf("line %d: %d fields, want 8", i+1, len(f))
		}
		thr, err1 := strconv.ParseFloat(f[5], 64)
		period, err2 := strconv.Atoi(f[6])
		evals, err3 := strconv.Atoi(f[7])
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		out = append(out, alerts.Alarm{Name: f[0], Component: f[1], Metric: f[2], Target: f[3], Comparison: f[4],
			Threshold: thr, Period: period, EvaluationPeriods: evals})
	}
	return out, nil
}

// ID is the exporter's id, bare_metal/SITE/NAME (its import ID): stable
// while the exporter moves between hosts.
func ID(location, name string) string { return string(backend.BareMetal) + "/" + location + "/" + name }

// Read reads the exporter's configuration from the host previous names; an
// import (no host known yet) reads as the bare name, filled by the next
// apply.
func (b *Backend) Read(ctx context.Context, name, location string, previous *alerts.Status) (*alerts.Status, error) {
	if previous == nil || previous.Spec.BareMetal == nil || previous.Spec.BareMetal.Host.Address == "" {
		return &alerts.Status{Spec: alerts.Spec{Meta: backend.Meta{Name: name, Location: location}}, TopicID: ID(location, name)}, nil
	}
	spec := previous.Spec
	spec.Name, spec.Location = name, location
	c, err := hostdeliver.Dial(ctx, b.SSH, target(spec))
	if err != nil {
		return nil, err
	}
	defer func() { _ = c.Close() }()
	return b.status(ctx, c, spec)
}

// Delete stops the exporter and removes its directory; an exporter already
// gone is not an error.
func (b *Backend) Delete(ctx context.Context, st *alerts.Status) error {
	if st == nil || st.Spec.BareMetal == nil || st.Spec.BareMetal.Host.Address == "" {
		return nil
	}
	c, err := hostdeliver.Dial(ctx, b.SSH, target(st.Spec))
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()
	if err := c.Remove(ctx, daemon(st.Spec)); err != nil {
		return fmt.Errorf("alerts %s: %w", st.Spec.Name, err)
	}
	_, err = c.Run(ctx, "rm -rf "+hostdeliver.Quote(Dir(st.Spec)), nil)
	return err
}

// RunningPID is the pid of the exporter whose files are in dir when it runs
// on this machine (an observer's check: the test hosts share this file
// system), else an error.
func RunningPID(dir string) (int, error) {
	b, err := os.ReadFile(filepath.Join(dir, "exporter.pid"))
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("exporter pid file %q: %w", b, err)
	}
	if err := processAlive(pid); err != nil {
		return 0, fmt.Errorf("exporter pid %d is not running: %w", pid, err)
	}
	return pid, nil
}
