package gcplocal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

type exchange struct {
	method, url, reqBody string
	status               int
	respBody             string
}

var statusLine = regexp.MustCompile(`^(\d{3}) `)

// parseRecording reads a ../shared/gcp-recordings file (see its README).
func parseRecording(b []byte) []exchange {
	var out []exchange
	for _, chunk := range strings.Split(string(b), "\n---\n") {
		sc := bufio.NewScanner(strings.NewReader(strings.TrimSpace(chunk)))
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		var ex exchange
		stage := 0 // 0 request line, 1 req headers, 2 req body, 3 resp headers, 4 resp body
		var reqBody, respBody strings.Builder
		for sc.Scan() {
			line := sc.Text()
			switch stage {
			case 0:
				f := strings.Fields(line)
				if len(f) != 2 {
					continue
				}
				ex.method, ex.url, stage = f[0], f[1], 1
			case 1:
				if line == "" {
					stage = 2
				}
			case 2:
				if m := statusLine.FindStringSubmatch(line); m != nil {
					ex.status, _ = strconv.Atoi(m[1])
					stage = 3
					continue
				}
				reqBody.WriteString(line + "\n")
			case 3:
				if line == "" {
					stage = 4
				}
			case 4:
				respBody.WriteString(line + "\n")
			}
		}
		if ex.method != "" && ex.status != 0 {
			ex.reqBody, ex.respBody = strings.TrimSpace(reqBody.String()), strings.TrimSpace(respBody.String())
			out = append(out, ex)
		}
	}
	return out
}

// replayExcluded are compute recordings not replayed yet, and why (the
// first divergence each one shows). The health check recordings replay.
var replayExcluded = map[string]string{
	"basic__compute__v1alpha1__computeautoscaler__computeautoscalerbasic.log":                              "server-filled fields not modelled yet: network selfLinkWithId/subnetworks",
	"basic__compute__v1alpha1__computeautoscaler__computeautoscalerbasic-direct.log":                       "server-filled fields not modelled yet: network selfLinkWithId/subnetworks",
	"basic__compute__v1beta1__computebackendservice__globalcomputebackendservice.log":                      "starts from a pre-existing network the endpoint does not seed; zonal instances/instanceGroups.addInstances not modelled",
	"basic__compute__v1beta1__computebackendservice__regionalcomputebackendservice.log":                    "starts from a pre-existing network the endpoint does not seed; zonal instances/instanceGroups.addInstances not modelled",
	"basic__compute__v1beta1__computebackendservice__regionalcomputebackendservicetd.log":                  "server-filled fields not modelled yet: affinityCookieTtlSec kept on update",
	"basic__compute__v1beta1__computeforwardingrule__globalcomputeforwardingrule-direct.log":               "starts from a pre-existing network the endpoint does not seed",
	"basic__compute__v1beta1__computeforwardingrule__globalcomputeforwardingrulefull-direct.log":           "starts from a pre-existing network the endpoint does not seed",
	"basic__compute__v1beta1__computeforwardingrule__globalcomputeforwardingrulegrpcproxy-direct.log":      "url map with a backend bucket / grpc proxy not accepted yet (to investigate)",
	"basic__compute__v1beta1__computeforwardingrule__globalcomputeforwardingrulehttps-direct.log":          "url map with a backend bucket not accepted yet (to investigate)",
	"basic__compute__v1beta1__computeforwardingrule__globalcomputeforwardingrulepscgoogleapis-direct.log":  "scrubber placeholder clash (network named ${addressID}) and PSC not modelled",
	"basic__compute__v1beta1__computeforwardingrule__globalcomputeforwardingrulessl-direct.log":            "server-filled fields not modelled yet: sslCertificates expireTime/selfManaged/type",
	"basic__compute__v1beta1__computeforwardingrule__globalcomputeforwardingruletcp-direct.log":            "target TCP proxy delete ordering: the endpoint refuses a delete real GCP accepted (to investigate)",
	"basic__compute__v1beta1__computeforwardingrule__globalcomputeforwardingruletcp-direct-directtcp.log":  "target TCP proxy delete ordering: the endpoint refuses a delete real GCP accepted (to investigate)",
	"basic__compute__v1beta1__computeforwardingrule__regionalcomputeforwardingrule-direct.log":             "server-filled fields not modelled yet: address description/networkTier",
	"basic__compute__v1beta1__computeforwardingrule__regionalcomputeforwardingrulefull-direct.log":         "server-filled fields not modelled yet: network selfLinkWithId",
	"basic__compute__v1beta1__computeforwardingrule__regionalcomputeforwardingrulepsc-direct.log":          "server-filled fields not modelled yet: forwarding rule networkTier/selfLinkWithId",
	"basic__compute__v1beta1__computeforwardingrule__regionalcomputeforwardingruletcp-direct.log":          "server-filled fields not modelled yet: network selfLinkWithId",
	"basic__compute__v1beta1__computeinstancegroupmanager__regionalcomputeinstancegroupmanager.log":        "server-filled fields not modelled yet: network selfLinkWithId/subnetworks",
	"basic__compute__v1beta1__computeinstancegroupmanager__regionalcomputeinstancegroupmanager-direct.log": "server-filled fields not modelled yet: network selfLinkWithId/subnetworks",
	"basic__compute__v1beta1__computeinstancetemplate.log":                                                 "server-filled fields not modelled yet: disks/images (not used by the provider)",
	"basic__compute__v1beta1__computetargethttpproxy__globaltargethttpproxy.log":                           "url map insert not accepted yet (to investigate)",
	"basic__compute__v1beta1__computetargethttpproxy__regionaltargethttpproxy.log":                         "server-filled fields not modelled yet: backend service port/portName",
	"basic__compute__v1beta1__computeurlmap__globalcomputeurlmap.log":                                      "url map with a backend bucket not accepted yet (to investigate)",
	"basic__compute__v1beta1__computeurlmap__globalcomputeurlmap-direct.log":                               "url map with a backend bucket not accepted yet (to investigate)",
	"basic__compute__v1beta1__computeurlmap__globalcomputeurlmapadditive.log":                              "url map with a backend bucket not accepted yet (to investigate)",
	"basic__compute__v1beta1__computeurlmap__globalcomputeurlmapadditive-direct.log":                       "url map with a backend bucket not accepted yet (to investigate)",
	"basic__compute__v1beta1__computeurlmap__globalcomputeurlmapreducer.log":                               "url map with a backend bucket not accepted yet (to investigate)",
	"basic__compute__v1beta1__computeurlmap__globalcomputeurlmapreducer-direct.log":                        "url map with a backend bucket not accepted yet (to investigate)",
	"basic__compute__v1beta1__computeurlmap__regionalcomputeurlmap.log":                                    "server-filled fields not modelled yet: backend service port/portName",
	"basic__compute__v1beta1__computeurlmap__regionalcomputeurlmap-direct.log":                             "server-filled fields not modelled yet: backend service port/portName",
}

var placeholder = regexp.MustCompile(`\$\{([A-Za-z]+)\}`)

// recordingsDir is ../shared/gcp-recordings beside the clone; from a git
// worktree, beside the main clone.
func recordingsDir(t *testing.T) string {
	out, err := exec.Command("git", "rev-parse", "--show-toplevel", "--path-format=absolute", "--git-common-dir").Output()
	if err != nil {
		t.Fatalf("repository root: %v", err)
	}
	lines := strings.Fields(string(out))
	cands := []string{filepath.Join(lines[0], "..", "shared", "gcp-recordings")}
	if len(lines) > 1 {
		cands = append(cands, filepath.Join(lines[1], "..", "..", "shared", "gcp-recordings"))
	}
	for _, c := range cands {
		if _, err := os.Stat(c); err == nil {
			return c
		}
	}
	return cands[0]
}

// TestReplayComputeRecordings sends each recorded Compute request in order
// and expects the recorded status code and the recorded response's top-level
// fields (values differ: names, ids, times).
func TestReplayComputeRecordings(t *testing.T) {
	dir := recordingsDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "basic__compute__*.log"))
	if len(files) == 0 {
		t.Fatalf("no recordings in %s", dir)
	}
	for _, f := range files {
		name := filepath.Base(f)
		if why, ok := replayExcluded[name]; ok {
			t.Logf("%s excluded: %s", name, why)
			continue
		}
		t.Run(strings.TrimSuffix(strings.TrimPrefix(name, "basic__compute__"), ".log"), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			s, url := start(t)
			lastOp := "none"
			subst := func(x string) string {
				// The scrubber replaced the word "default" (network name) inside field names too.
				x = strings.ReplaceAll(x, "${networkID}Service", "defaultService")
				return placeholder.ReplaceAllStringFunc(x, func(p string) string {
					v := placeholder.FindStringSubmatch(p)[1]
					switch v {
					case "projectId":
						return "p"
					case "operationID":
						return lastOp
					}
					return strings.ToLower(v)
				})
			}
			for i, ex := range parseRecording(b) {
				u := subst(ex.url)
				if !strings.HasPrefix(u, "https://compute.googleapis.com/compute/v1/projects/p/") {
					continue // other services and shared projects (images) are not served
				}
				path := strings.TrimPrefix(u, "https://compute.googleapis.com")
				body := subst(ex.reqBody)
				var rb map[string]any
				if json.Unmarshal([]byte(body), &rb) == nil {
					// A recorded fingerprint is the real resource's; ours differs.
					delete(rb, "fingerprint")
					delete(rb, "labelFingerprint")
					nb, _ := json.Marshal(rb)
					body = string(nb)
				}
				req, _ := http.NewRequest(ex.method, url+path, bytes.NewBufferString(body))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var got map[string]any
				_ = json.NewDecoder(resp.Body).Decode(&got)
				_ = resp.Body.Close()
				if got["kind"] == "compute#operation" {
					lastOp, _ = got["name"].(string)
				}
				if resp.StatusCode != ex.status {
					t.Errorf("#%d %s %s: status %d, recorded %d: %v", i, ex.method, path, resp.StatusCode, ex.status, got["error"])
					continue
				}
				var want map[string]any
				if json.Unmarshal([]byte(ex.respBody), &want) != nil {
					continue
				}
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
			if errs := s.Errors(); len(errs) > 0 {
				t.Errorf("violations: %+v", errs)
			}
		})
	}
}

// opTimingField: an operation polled fewer times than the recorded one may
// not yet carry its end fields.
func opTimingField(got map[string]any, k string) bool {
	return got["kind"] == "compute#operation" && (k == "endTime" || k == "startTime")
}
