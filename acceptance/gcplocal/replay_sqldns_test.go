package gcplocal

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// replaySQLDNSExcluded are Cloud SQL and Cloud DNS recordings not replayed,
// and why. All eight replay: the list stays for one that needs something
// out of scope.
var replaySQLDNSExcluded = map[string]string{}

// replayHosts maps a recorded URL prefix to the endpoint's path; the
// managed zone calls recorded on dns/v1beta2 are sent to dns/v1 (the same
// resource; the endpoint serves v1).
var replayHosts = []struct{ recorded, local string }{
	{"https://sqladmin.googleapis.com/sql/v1beta4/projects/p/", "/sql/v1beta4/projects/p/"},
	{"https://dns.googleapis.com/dns/v1/projects/p/", "/dns/v1/projects/p/"},
	{"https://dns.googleapis.com/dns/v1beta2/projects/p/", "/dns/v1/projects/p/"},
	{"https://compute.googleapis.com/compute/v1/projects/p/", "/compute/v1/projects/p/"},
}

// TestReplaySQLAndDNSRecordings sends each recorded Cloud SQL, Cloud DNS
// (and the Compute calls they depend on: networks, health checks) request
// in order, and expects the recorded status code and the recorded
// response's top-level fields. A recorded operation poll is repeated until
// the operation reaches the recorded status: the recording shows the last
// of the real client's polls, and operations here take several.
func TestReplaySQLAndDNSRecordings(t *testing.T) {
	dir := recordingsDir(t)
	var files []string
	for _, g := range []string{"basic__sql__*.log", "instance__*.log", "basic__dns__*.log"} {
		m, _ := filepath.Glob(filepath.Join(dir, g))
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatalf("no recordings in %s", dir)
	}
	replayedFiles := 0
	defer func() { t.Logf("replayed %d of %d Cloud SQL and Cloud DNS recordings", replayedFiles, len(files)) }()
	for _, f := range files {
		name := filepath.Base(f)
		if why, ok := replaySQLDNSExcluded[name]; ok {
			t.Logf("%s excluded: %s", name, why)
			continue
		}
		replayedFiles++
		t.Run(strings.TrimSuffix(name, ".log"), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			s, url := start(t)
			last := map[string]string{} // placeholder → last value the endpoint gave
			subst := func(x string) string {
				x = strings.ReplaceAll(x, "${networkID}Service", "defaultService")
				return placeholder.ReplaceAllStringFunc(x, func(p string) string {
					v := placeholder.FindStringSubmatch(p)[1]
					switch v {
					case "projectId", "projectNumber":
						return "p"
					case "operationID", "changeId":
						return last[v]
					}
					return strings.ToLower(v)
				})
			}
			replayed := 0
			exs := parseRecording(b)
			nm := newNames(exs, subst)
			for i, ex := range exs {
				if peer := serviceNetworkingPeering(ex, subst); peer != "" {
					// Service Networking (not served) peers the network
					// with its own: the compute side of that, which the
					// recording's later removePeering undoes.
					path := "/compute/v1/" + subst(nm.resolve(peer, i, false))
					if code, got := call(t, url, "POST", path+"/addPeering", `{"name":"servicenetworking-googleapis-com","networkPeering":{"name":"servicenetworking-googleapis-com",`+
						`"network":"https://www.googleapis.com/compute/v1/projects/servicenetworking-tenant/global/networks/servicenetworking","exchangeSubnetRoutes":true}}`); code != 200 {
						t.Errorf("#%d peering for %s: status %d: %v", i, path, code, got["error"])
					}
					continue
				}
				u := subst(nm.resolve(ex.url, i, true))
				path := ""
				for _, h := range replayHosts {
					if strings.HasPrefix(u, h.recorded) {
						path = h.local + strings.TrimPrefix(u, h.recorded)
					}
				}
				if path == "" {
					continue // other services (service networking, resource manager) are not served
				}
				body := subst(nm.resolve(ex.reqBody, i, false))
				var rb map[string]any
				if json.Unmarshal([]byte(body), &rb) == nil {
					delete(rb, "fingerprint")
					delete(rb, "labelFingerprint")
					if n := nm.inserted(i); n != "" {
						rb["name"] = n
					}
					// A recorded settings version is the real instance's; ours differs.
					if st, ok := rb["settings"].(map[string]any); ok {
						delete(st, "settingsVersion")
					}
					nb, _ := json.Marshal(rb)
					body = string(nb)
				}
				var want map[string]any
				_ = json.Unmarshal([]byte(ex.respBody), &want)
				var got map[string]any
				var code int
				for try := 0; try < 6; try++ {
					req, _ := http.NewRequest(ex.method, url+path, bytes.NewBufferString(body))
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					got = nil
					_ = json.NewDecoder(resp.Body).Decode(&got)
					_ = resp.Body.Close()
					code = resp.StatusCode
					isOpPoll := ex.method == "GET" && (strings.Contains(path, "/operations/") || strings.Contains(path, "/changes/"))
					if !isOpPoll || got["status"] == want["status"] {
						break
					}
				}
				replayed++
				nm.done(i, path)
				switch got["kind"] {
				case "sql#operation", "compute#operation":
					last["operationID"], _ = got["name"].(string)
				case "dns#change":
					last["changeId"], _ = got["id"].(string)
				}
				if code != ex.status {
					t.Errorf("#%d %s %s: status %d, recorded %d: %v", i, ex.method, path, code, ex.status, got["error"])
					continue
				}
				_ = json.Unmarshal([]byte(subst(ex.respBody)), &want)
				var missing []string
				for k := range want {
					if _, ok := got[k]; !ok && !opTimingField(got, k) {
						missing = append(missing, k)
					}
				}
				sort.Strings(missing)
				if len(missing) > 0 {
					t.Errorf("#%d %s %s: fields missing from the answer: %v", i, ex.method, path, missing)
				}
			}
			if replayed == 0 {
				t.Error("nothing replayed")
			}
			if errs := s.Errors(); len(errs) > 0 {
				for _, e := range errs {
					b, _ := json.Marshal(e)
					t.Errorf("violation: %s", b)
				}
			}
		})
	}
}

// serviceNetworkingPeering is the network (`projects/…/global/networks/…`)
// a recorded Service Networking connection create or update peers.
func serviceNetworkingPeering(ex exchange, subst func(string) string) string {
	if !strings.HasPrefix(ex.url, "https://servicenetworking.googleapis.com/v1/services/") || !strings.Contains(ex.url, "/connections") ||
		(ex.method != "POST" && ex.method != "PATCH") || ex.status != 200 {
		return ""
	}
	var b map[string]any
	if json.Unmarshal([]byte(ex.reqBody), &b) != nil {
		return ""
	}
	return str(b["network"])
}
