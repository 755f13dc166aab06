package services

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// Debian ships the schema in two places; docs may be excluded on slim images.
var pdnsSchemas = []string{"/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql", "/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql"}

// startPowerDNS starts an authoritative PowerDNS with the sqlite backend, the
// HTTP API and LUA records (health checks every second).
func startPowerDNS(ctx context.Context, dir string) (*Process, map[string]string, error) {
	bin, err := exec.LookPath("pdns_server")
	if err != nil {
		return nil, nil, fmt.Errorf("pdns_server not found (Debian packages pdns-server, pdns-backend-sqlite3): %w", err)
	}
	sqlite, err := exec.LookPath("sqlite3")
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite3 not found (Debian package sqlite3): %w", err)
	}
	pdir := filepath.Join(dir, "pdns")
	if err := os.MkdirAll(pdir, 0o755); err != nil {
		return nil, nil, err
	}
	db := filepath.Join(pdir, "pdns.db")
	_ = os.Remove(db)
	var schema *os.File
	for _, path := range pdnsSchemas {
		if schema, err = os.Open(path); err == nil {
			break
		}
	}
	if schema == nil {
		return nil, nil, fmt.Errorf("PowerDNS sqlite schema not found in %v: %w", pdnsSchemas, err)
	}
	defer func() { _ = schema.Close() }()
	init := exec.CommandContext(ctx, sqlite, db)
	init.Stdin = schema
	if out, err := init.CombinedOutput(); err != nil {
		return nil, nil, fmt.Errorf("create PowerDNS database: %w: %s", err, out)
	}
	dnsPort, err := FreePort()
	if err != nil {
		return nil, nil, err
	}
	apiPort, err := FreeTCPPort()
	if err != nil {
		return nil, nil, err
	}
	keyBytes := make([]byte, 16)
	if _, err := rand.Read(keyBytes); err != nil {
		return nil, nil, err
	}
	key := hex.EncodeToString(keyBytes)
	conf := fmt.Sprintf(`launch=gsqlite3
gsqlite3-database=%s
local-address=127.0.0.1
local-port=%d
api=yes
api-key=%s
webserver=yes
webserver-address=127.0.0.1
webserver-port=%d
webserver-allow-from=127.0.0.0/8
enable-lua-records=yes
lua-health-checks-interval=1
socket-dir=%s
`, db, dnsPort, key, apiPort, pdir)
	if err := os.WriteFile(filepath.Join(pdir, "pdns.conf"), []byte(conf), 0o600); err != nil {
		return nil, nil, err
	}
	p, err := start(dir, "pdns", nil, bin, "--config-dir="+pdir, "--daemon=no", "--guardian=no", "--disable-syslog")
	if err != nil {
		return nil, nil, err
	}
	api := fmt.Sprintf("http://127.0.0.1:%d", apiPort)
	if err := waitFor(ctx, p, 30*time.Second, httpOK(api+"/api/v1/servers/localhost", map[string]string{"X-API-Key": key})); err != nil {
		_ = p.Stop()
		return nil, nil, err
	}
	return p, map[string]string{
		"HA_POWERDNS_API_URL":   api,
		"HA_POWERDNS_API_KEY":   key,
		"HA_POWERDNS_SERVER_ID": "localhost",
		"HA_TEST_PDNS_DNS":      fmt.Sprintf("127.0.0.1:%d", dnsPort),
	}, nil
}
