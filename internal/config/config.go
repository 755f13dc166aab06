// Package config loads backend settings for both the provider and the CLI,
// with one precedence everywhere: explicit values (flags, provider block) over
// HA_* environment variables over ~/.config/ha/config.yaml.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/viper"
)

// AWS holds the settings of the AWS backend.
type AWS struct {
	Endpoint   string `mapstructure:"endpoint"`
	AccessKey  string `mapstructure:"access_key"`
	SecretKey  string `mapstructure:"secret_key"`
	Profile    string `mapstructure:"profile"`
	MaxRetries int    `mapstructure:"max_retries"`
	// LostLocations are regions no call may be made to (after a disaster);
	// HA_AWS_LOST_LOCATIONS takes them comma-separated.
	LostLocations []string `mapstructure:"lost_locations"`
}

// GCP holds the settings of the GCP backend.
type GCP struct {
	Project string `mapstructure:"project"`
	// Credentials is a service account key: a file path or the JSON text.
	// Empty means Application Default Credentials.
	Credentials      string `mapstructure:"credentials"`
	ComputeEndpoint  string `mapstructure:"compute_endpoint"`
	SQLAdminEndpoint string `mapstructure:"sqladmin_endpoint"`
	DNSEndpoint      string `mapstructure:"dns_endpoint"`
	// LostLocations are regions no call may be made to (after a disaster);
	// HA_GCP_LOST_LOCATIONS takes them comma-separated.
	LostLocations []string `mapstructure:"lost_locations"`
	// Endpoint is the former name of ComputeEndpoint, still read.
	Endpoint string `mapstructure:"endpoint"`
}

// Compute is the Compute Engine endpoint override: compute_endpoint, or the
// deprecated endpoint when only that is set.
func (g GCP) Compute() string {
	if g.ComputeEndpoint != "" {
		return g.ComputeEndpoint
	}
	return g.Endpoint
}

// PowerDNS holds the settings of the PowerDNS HTTP API.
type PowerDNS struct {
	APIURL   string `mapstructure:"api_url"`
	APIKey   string `mapstructure:"api_key"`
	ServerID string `mapstructure:"server_id"`
}

// NUT holds defaults for Network UPS Tools clients.
type NUT struct {
	Timeout  time.Duration `mapstructure:"timeout"`
	Username string        `mapstructure:"username"`
	Password string        `mapstructure:"password"`
}

// SNMP holds defaults for SNMP clients (PDUs).
type SNMP struct {
	Timeout   time.Duration `mapstructure:"timeout"`
	Community string        `mapstructure:"community"`
	Retries   int           `mapstructure:"retries"`
}

// BareMetal holds how the provider reaches bare-metal hosts (SSH delivery
// of keepalived and HAProxy configuration).
type BareMetal struct {
	SSHUser string `mapstructure:"ssh_user"`
	// SSHPrivateKey is the PEM text or the path of a key file.
	SSHPrivateKey string `mapstructure:"ssh_private_key"`
	// KnownHosts is a known_hosts text or file path, for hosts whose
	// inventory entry pins no ssh_host_key.
	KnownHosts string `mapstructure:"known_hosts"`
	// LostLocations are sites no call may be made to (after a disaster);
	// HA_BARE_METAL_LOST_LOCATIONS takes them comma-separated.
	LostLocations []string `mapstructure:"lost_locations"`
}

// Config is every backend's settings.
type Config struct {
	AWS      AWS      `mapstructure:"aws"`
	GCP      GCP      `mapstructure:"gcp"`
	PowerDNS PowerDNS `mapstructure:"powerdns"`
	NUT      NUT      `mapstructure:"nut"`
	SNMP     SNMP     `mapstructure:"snmp"`
	// BareMetal is the provider's bare_metal block.
	BareMetal BareMetal `mapstructure:"bare_metal"`
}

// defaults also declare every key, which viper needs to see environment
// variables during Unmarshal.
var defaults = map[string]any{
	"aws.endpoint":               "",
	"aws.access_key":             "",
	"aws.secret_key":             "",
	"aws.profile":                "",
	"aws.max_retries":            8,
	"aws.lost_locations":         []string{},
	"gcp.project":                "",
	"gcp.credentials":            "",
	"gcp.compute_endpoint":       "",
	"gcp.sqladmin_endpoint":      "",
	"gcp.dns_endpoint":           "",
	"gcp.lost_locations":         []string{},
	"gcp.endpoint":               "",
	"powerdns.api_url":           "",
	"powerdns.api_key":           "",
	"powerdns.server_id":         "localhost",
	"nut.timeout":                "5s",
	"nut.username":               "",
	"nut.password":               "",
	"snmp.timeout":               "5s",
	"snmp.community":             "public",
	"snmp.retries":               1,
	"bare_metal.ssh_user":        "root",
	"bare_metal.lost_locations":  []string{},
	"bare_metal.ssh_private_key": "",
	"bare_metal.known_hosts":     "",
}

// Keys lists every configuration key, sorted.
func Keys() []string {
	keys := make([]string, 0, len(defaults))
	for k := range defaults {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// EnvName is the environment variable of a key: aws.max_retries → HA_AWS_MAX_RETRIES.
func EnvName(key string) string {
	return "HA_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// DefaultFile is ~/.config/ha/config.yaml, or HA_CONFIG when set.
func DefaultFile() string {
	if p := os.Getenv("HA_CONFIG"); p != "" {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".config", "ha", "config.yaml")
}

// NewViper returns a viper instance with defaults, HA_* environment variables
// and the config file (when it exists) wired in. Callers bind flags on top.
func NewViper(file string) (*viper.Viper, error) {
	v := viper.New()
	for k, d := range defaults {
		v.SetDefault(k, d)
		if err := v.BindEnv(k, EnvName(k)); err != nil {
			return nil, fmt.Errorf("bind %s: %w", k, err)
		}
	}
	if file != "" {
		if _, err := os.Stat(file); err == nil {
			v.SetConfigFile(file)
			if err := v.ReadInConfig(); err != nil {
				return nil, fmt.Errorf("read config file %s: %w", file, err)
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("config file %s: %w", file, err)
		}
	}
	return v, nil
}

// Load reads the configuration from a viper instance made by NewViper.
func Load(v *viper.Viper) (Config, error) {
	var c Config
	if err := v.Unmarshal(&c); err != nil {
		return Config{}, fmt.Errorf("decode configuration: %w", err)
	}
	return c, nil
}

// FromEnvironment is NewViper(DefaultFile()) followed by Load.
func FromEnvironment() (Config, error) {
	v, err := NewViper(DefaultFile())
	if err != nil {
		return Config{}, err
	}
	return Load(v)
}

// FieldError is a problem with one setting; Key is the dotted key (aws.max_retries).
type FieldError struct {
	Key     string
	Message string
}

func (e FieldError) Error() string { return e.Key + ": " + e.Message }

// Validate checks values that would otherwise fail later, far from their source.
func (c Config) Validate() []FieldError {
	var errs []FieldError
	checkURL := func(key, v string) {
		if v == "" {
			return
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, FieldError{key, fmt.Sprintf("%q is not an http(s) URL with a host", v)})
		}
	}
	checkURL("aws.endpoint", c.AWS.Endpoint)
	checkURL("gcp.endpoint", c.GCP.Endpoint)
	checkURL("gcp.compute_endpoint", c.GCP.ComputeEndpoint)
	checkURL("gcp.sqladmin_endpoint", c.GCP.SQLAdminEndpoint)
	checkURL("gcp.dns_endpoint", c.GCP.DNSEndpoint)
	if msg := checkCredentials(c.GCP.Credentials); msg != "" {
		errs = append(errs, FieldError{"gcp.credentials", msg})
	}
	checkURL("powerdns.api_url", c.PowerDNS.APIURL)
	if c.AWS.MaxRetries < 0 || c.AWS.MaxRetries > 25 {
		errs = append(errs, FieldError{"aws.max_retries", fmt.Sprintf("must be between 0 and 25, got %d", c.AWS.MaxRetries)})
	}
	if (c.AWS.AccessKey == "") != (c.AWS.SecretKey == "") {
		errs = append(errs, FieldError{"aws.secret_key", "access_key and secret_key must be set together"})
	}
	if c.NUT.Timeout <= 0 || c.NUT.Timeout > 5*time.Minute {
		errs = append(errs, FieldError{"nut.timeout", fmt.Sprintf("must be between 1ms and 5m, got %s", c.NUT.Timeout)})
	}
	if c.SNMP.Timeout <= 0 || c.SNMP.Timeout > 5*time.Minute {
		errs = append(errs, FieldError{"snmp.timeout", fmt.Sprintf("must be between 1ms and 5m, got %s", c.SNMP.Timeout)})
	}
	if c.SNMP.Retries < 0 || c.SNMP.Retries > 10 {
		errs = append(errs, FieldError{"snmp.retries", fmt.Sprintf("must be between 0 and 10, got %d", c.SNMP.Retries)})
	}
	return errs
}

// checkCredentials accepts empty (Application Default Credentials), JSON
// text, or the path of a readable file; the message never quotes the value,
// which may be a secret.
func checkCredentials(v string) string {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return ""
	case strings.HasPrefix(v, "{"):
		if !json.Valid([]byte(v)) {
			return "looks like JSON but does not parse; give the service account key's JSON text or a file path"
		}
		return ""
	}
	st, err := os.Stat(v)
	if err != nil {
		return fmt.Sprintf("is neither JSON nor a readable file: %v", errors.Unwrap(err))
	}
	if st.IsDir() {
		return "names a directory, not a service account key file"
	}
	return ""
}
