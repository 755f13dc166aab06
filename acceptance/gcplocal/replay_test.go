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

// replayExcluded are compute recordings not replayed, and why. All 33
// replay: the list stays for a recording that needs something out of scope.
var replayExcluded = map[string]string{}

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

// computeHosts are the recorded URL prefixes of Compute calls: the
// clients call compute.googleapis.com, KCC's legacy one www.googleapis.com
// (the same API).
var computeHosts = []string{"https://compute.googleapis.com/compute/v1/", "https://www.googleapis.com/compute/v1/"}

// refPlaceholder is a scrubbed object name in a path or reference:
// `<scope>/<collection>/${fooID}`.
var refPlaceholder = regexp.MustCompile(`(global|regions/[a-z0-9-]+|zones/[a-z0-9-]+)/([A-Za-z]+)/\$\{([A-Za-z]+)\}`)

// insertURL is a POST to a collection (an insert).
var insertURL = regexp.MustCompile(`/(global|regions/[a-z0-9-]+|zones/[a-z0-9-]+)/([A-Za-z]+)$`)

// names resolves the scrubber's `${fooID}` placeholders back to object
// names. The scrubber replaced both an object's numeric id and its name
// (in URLs and references) by one placeholder per kind, so two objects of a
// kind share it; the name is recovered from the inserts: a reference is to
// the most recent live object of the collection; a recorded 404 on a get is
// the object about to be inserted (or the one just deleted); a network
// never inserted is the project's pre-existing `default` network (the
// scrubber also replaced the word "default" by ${networkID}).
type names struct {
	exs     []exchange
	inserts []nameInsert
	live    map[string][]string
	deleted map[string]string
}

type nameInsert struct {
	at        int
	key, name string
}

func newNames(exs []exchange, basic func(string) string) *names {
	n := &names{exs: exs, live: map[string][]string{}, deleted: map[string]string{}}
	for i, ex := range exs {
		if ex.method != "POST" {
			continue
		}
		u := ex.url
		if j := strings.Index(u, "?"); j >= 0 {
			u = u[:j]
		}
		m := insertURL.FindStringSubmatch(u)
		var b map[string]any
		if m == nil || json.Unmarshal([]byte(ex.reqBody), &b) != nil || str(b["name"]) == "" {
			continue
		}
		in := nameInsert{at: i, key: m[1] + "/" + m[2], name: basic(str(b["name"]))}
		// Two objects of a kind whose names the scrubber both replaced
		// by the kind's placeholder get distinct names here.
		for k, dup := 2, true; dup; k++ {
			dup = false
			for _, o := range n.inserts {
				if o.key == in.key && o.name == in.name {
					in.name, dup = basic(str(b["name"]))+"-"+strconv.Itoa(k), true
				}
			}
		}
		n.inserts = append(n.inserts, in)
	}
	return n
}

// resolve replaces the placeholders of references in x, at exchange i.
func (n *names) resolve(x string, i int, inURL bool) string {
	ex := n.exs[i]
	return refPlaceholder.ReplaceAllStringFunc(x, func(ref string) string {
		m := refPlaceholder.FindStringSubmatch(ref)
		key := m[1] + "/" + m[2]
		if m[2] == "operations" {
			return ref
		}
		return key + "/" + n.name(key, m[3], i, inURL && ex.status == 404)
	})
}

func (n *names) name(key, ph string, i int, notFound bool) string {
	next := ""
	for _, in := range n.inserts {
		if in.key == key && in.at >= i {
			next = in.name
			break
		}
	}
	live := n.live[key]
	switch {
	case notFound && next != "":
		return next
	case notFound && n.deleted[key] != "":
		return n.deleted[key]
	case len(live) > 0:
		return live[len(live)-1]
	case next != "":
		return next
	case n.deleted[key] != "":
		return n.deleted[key]
	case strings.HasSuffix(key, "/networks"):
		return "default"
	}
	return strings.ToLower(ph)
}

// done records the effect of exchange i (its recorded outcome) on names.
// inserted is the name exchange i inserts, if it is an insert.
func (n *names) inserted(i int) string {
	for _, in := range n.inserts {
		if in.at == i {
			return in.name
		}
	}
	return ""
}

// inconsistent reports a recorded 404 on reading an object the recording
// itself created, never deleted and does not create again (a read racing
// the insert on real GCP): the status cannot follow from the requests.
func (n *names) inconsistent(i int) bool {
	ex := n.exs[i]
	if ex.method != "GET" || ex.status != 404 {
		return false
	}
	m := refPlaceholder.FindStringSubmatch(ex.url)
	if m == nil {
		return false
	}
	key := m[1] + "/" + m[2]
	for _, in := range n.inserts {
		if in.key == key && in.at >= i {
			return false
		}
	}
	return len(n.live[key]) > 0
}

func (n *names) done(i int, path string) {
	ex := n.exs[i]
	if ex.status/100 != 2 {
		return
	}
	for _, in := range n.inserts {
		if in.at == i {
			n.live[in.key] = append(n.live[in.key], in.name)
		}
	}
	if ex.method == "DELETE" {
		p := path
		if j := strings.Index(p, "?"); j >= 0 {
			p = p[:j]
		}
		k := strings.LastIndex(p, "/")
		name := p[k+1:]
		if m := insertURL.FindStringSubmatch(p[:k]); m != nil {
			key := m[1] + "/" + m[2]
			live := n.live[key]
			for j, v := range live {
				if v == name {
					n.live[key] = append(live[:j:j], live[j+1:]...)
					break
				}
			}
			n.deleted[key] = name
		}
	}
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
	replayed := 0
	for _, f := range files {
		name := filepath.Base(f)
		if why, ok := replayExcluded[name]; ok {
			t.Logf("%s excluded: %s", name, why)
			continue
		}
		replayed++
		t.Run(strings.TrimSuffix(strings.TrimPrefix(name, "basic__compute__"), ".log"), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			s, url := start(t)
			lastOp := "none"
			basic := func(x string) string {
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
			exs := parseRecording(b)
			nm := newNames(exs, basic)
			sent := 0
			for i, ex := range exs {
				u := ""
				for _, h := range computeHosts {
					if strings.HasPrefix(ex.url, h+"projects/") {
						u = "/compute/v1/" + strings.TrimPrefix(ex.url, h)
					}
				}
				if u == "" {
					continue // other services (storage, resource manager, billing) are not served
				}
				path := basic(nm.resolve(u, i, true))
				body := basic(nm.resolve(ex.reqBody, i, false))
				var rb map[string]any
				if json.Unmarshal([]byte(body), &rb) == nil {
					// A recorded fingerprint is the real resource's; ours differs.
					delete(rb, "fingerprint")
					delete(rb, "labelFingerprint")
					if n := nm.inserted(i); n != "" {
						rb["name"] = n
					}
					nb, _ := json.Marshal(rb)
					body = string(nb)
				}
				req, _ := http.NewRequest(ex.method, url+path, bytes.NewBufferString(body))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				sent++
				var got map[string]any
				_ = json.NewDecoder(resp.Body).Decode(&got)
				_ = resp.Body.Close()
				if got["kind"] == "compute#operation" {
					lastOp, _ = got["name"].(string)
				}
				nm.done(i, path)
				if resp.StatusCode != ex.status && nm.inconsistent(i) {
					t.Logf("#%d %s %s: recorded 404 for an object the recording created and kept; answered %d", i, ex.method, path, resp.StatusCode)
					continue
				}
				if resp.StatusCode != ex.status {
					t.Errorf("#%d %s %s: status %d, recorded %d: %v", i, ex.method, path, resp.StatusCode, ex.status, got["error"])
					continue
				}
				var want map[string]any
				if json.Unmarshal([]byte(basic(ex.respBody)), &want) != nil {
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
			if sent == 0 {
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
	t.Logf("replayed %d of %d compute recordings", replayed, len(files))
}

// opTimingField: an operation polled fewer times than the recorded one may
// not yet carry its end fields.
func opTimingField(got map[string]any, k string) bool {
	return got["kind"] == "compute#operation" && (k == "endTime" || k == "startTime")
}
