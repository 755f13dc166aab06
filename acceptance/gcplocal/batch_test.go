package gcplocal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// batchPart is one embedded call of a test batch.
type batchPart struct{ id, method, path, body string }

// batchAnswer is one embedded response, by the Content-ID it came with.
type batchAnswer struct {
	code int
	body map[string]any
}

// sendBatch posts parts to the batch path as apitools (gcloud) writes them:
// LF line ends, a quoted boundary, bodies without Content-Length.
func sendBatch(t *testing.T, url, batchPath string, parts []batchPart) (int, map[string]batchAnswer) {
	t.Helper()
	const boundary = "===============4242424242424242=="
	var b strings.Builder
	for _, p := range parts {
		fmt.Fprintf(&b, "--%s\nContent-Type: application/http\nMIME-Version: 1.0\nContent-Transfer-Encoding: binary\nContent-ID: <%s>\n\n", boundary, p.id)
		fmt.Fprintf(&b, "%s %s HTTP/1.1\nContent-Type: application/json\nMIME-Version: 1.0\naccept: application/json\nHost: 127.0.0.1\n\n%s\n", p.method, p.path, p.body)
	}
	fmt.Fprintf(&b, "--%s--\n", boundary)
	req, err := http.NewRequest("POST", url+batchPath, strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", `multipart/mixed; boundary="`+boundary+`"`)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != 200 {
		return resp.StatusCode, nil
	}
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("batch answer content type %q: %v", resp.Header.Get("Content-Type"), err)
	}
	out := map[string]batchAnswer{}
	mr := multipart.NewReader(resp.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if ct := p.Header.Get("Content-Type"); ct != "application/http" {
			t.Errorf("part content type %q, want application/http", ct)
		}
		inner, err := http.ReadResponse(bufio.NewReader(p), nil)
		if err != nil {
			t.Fatalf("embedded response: %v", err)
		}
		var body map[string]any
		if err := json.NewDecoder(inner.Body).Decode(&body); err != nil {
			t.Errorf("embedded response body: %v", err)
		}
		_ = inner.Body.Close()
		id := p.Header.Get("Content-ID")
		if _, dup := out[id]; dup {
			t.Errorf("two answers with Content-ID %s", id)
		}
		out[id] = batchAnswer{inner.StatusCode, body}
	}
	return resp.StatusCode, out
}

func TestBatchAnswersEachCallByContentID(t *testing.T) {
	s, url := start(t)
	for _, n := range []string{"hc1", "hc2"} {
		if code, e := call(t, url, "POST", "/compute/v1/projects/p/global/healthChecks", `{"name":"`+n+`","type":"TCP","tcpHealthCheck":{"port":80}}`); code != 200 {
			t.Fatalf("insert %s: %d %v", n, code, e)
		}
	}
	code, got := sendBatch(t, url, "/batch/compute/v1", []batchPart{
		{"u+0", "GET", "/compute/v1/projects/p/global/healthChecks/hc2?alt=json", ""},
		{"u+1", "GET", "/compute/v1/projects/p/regions/europe-west1/instanceGroupManagers?alt=json&maxResults=500", ""},
		{"u+2", "GET", "/compute/v1/projects/p/global/healthChecks/hc1", ""},
		// A body without Content-Length, as apitools sends it.
		{"u+3", "POST", "/compute/v1/projects/p/global/healthChecks", `{"name":"hc3","type":"TCP","tcpHealthCheck":{"port":81}}`},
	})
	if code != 200 || len(got) != 4 {
		t.Fatalf("batch: %d, %d answers, want 200 and 4", code, len(got))
	}
	if a := got["<response-u+0>"]; a.code != 200 || a.body["name"] != "hc2" {
		t.Errorf("answer u+0: %d %v, want hc2", a.code, a.body)
	}
	if a := got["<response-u+1>"]; a.code != 200 || a.body["kind"] != "compute#regionInstanceGroupManagerList" {
		t.Errorf("answer u+1: %d %v, want the region's group list", a.code, a.body)
	}
	if a := got["<response-u+2>"]; a.code != 200 || a.body["name"] != "hc1" {
		t.Errorf("answer u+2: %d %v, want hc1", a.code, a.body)
	}
	if a := got["<response-u+3>"]; a.code != 200 || a.body["kind"] != "compute#operation" {
		t.Errorf("answer u+3: %d %v, want the insert's operation", a.code, a.body)
	}
	if code, hc := call(t, url, "GET", "/compute/v1/projects/p/global/healthChecks/hc3", ""); code != 200 || hc["tcpHealthCheck"].(map[string]any)["port"] != float64(81) {
		t.Errorf("health check inserted in the batch: %d %v", code, hc)
	}
	if errs := s.Errors(); len(errs) > 0 {
		t.Errorf("violations: %+v", errs)
	}
}

func TestBatchCallErrorsStayInTheirPart(t *testing.T) {
	s, url := start(t)
	code, got := sendBatch(t, url, "/batch/compute/v1", []batchPart{
		{"a", "GET", "/compute/v1/projects/p/global/healthChecks/missing", ""},
		{"b", "GET", "/compute/v1/projects/p/regions/us-central1", ""},
	})
	if code != 200 {
		t.Fatalf("batch with a missing object: %d, want 200", code)
	}
	a := got["<response-a>"]
	e, _ := a.body["error"].(map[string]any)
	if a.code != 404 || e["code"] != float64(404) || !strings.Contains(fmt.Sprint(e["message"]), "missing") {
		t.Errorf("answer a: %d %v, want a 404 naming the health check", a.code, a.body)
	}
	if b := got["<response-b>"]; b.code != 200 || b.body["name"] != "us-central1" {
		t.Errorf("answer b: %d %v, want the region", b.code, b.body)
	}
	if errs := s.Errors(); len(errs) > 0 {
		t.Errorf("a 404 is no violation: %+v", errs)
	}

	// Each call is checked against the contract as if sent alone, and a
	// call of another API does not belong in compute's batch.
	code, got = sendBatch(t, url, "/batch/compute/v1", []batchPart{
		{"q", "GET", "/compute/v1/projects/p/global/healthChecks?colour=red", ""},
		{"sql", "GET", "/sql/v1beta4/projects/p/instances", ""},
		{"ok", "GET", "/compute/v1/projects/p/global/healthChecks", ""},
	})
	if code != 200 {
		t.Fatalf("batch with bad calls: %d, want 200", code)
	}
	if q := got["<response-q>"]; q.code != 400 || !strings.Contains(fmt.Sprint(q.body["error"]), `"colour" is not documented`) {
		t.Errorf("answer q: %d %v, want a contract violation", q.code, q.body)
	}
	if q := got["<response-sql>"]; q.code != 400 || !strings.Contains(fmt.Sprint(q.body["error"]), "not served by the batch path /batch/compute/v1") {
		t.Errorf("answer sql: %d %v, want a refusal of another API's call", q.code, q.body)
	}
	if ok := got["<response-ok>"]; ok.code != 200 {
		t.Errorf("answer ok: %d %v", ok.code, ok.body)
	}
	errs := s.Errors()
	if len(errs) != 2 || !strings.HasPrefix(errs[0].Request, "GET /compute/v1/projects/p/global/healthChecks?colour=red") ||
		!strings.HasPrefix(errs[1].Request, "GET /sql/v1beta4/") {
		t.Errorf("violations %+v, want the two bad calls", errs)
	}

	// Cloud SQL's and Cloud DNS's documents name the batch path /batch.
	if code, got = sendBatch(t, url, "/batch", []batchPart{{"z", "GET", "/dns/v1/projects/p/managedZones", ""}}); code != 200 || got["<response-z>"].code != 200 {
		t.Errorf("Cloud DNS call in /batch: %d %v", code, got)
	}
}

func TestBatchMalformedIsAViolation(t *testing.T) {
	s, url := start(t)
	for _, c := range []struct{ name, method, ctype, body, want string }{
		{"not multipart", "POST", "application/json", `{}`, "want multipart/mixed"},
		{"no calls", "POST", `multipart/mixed; boundary=b`, "--b--\n", "no calls"},
		{"part not http", "POST", `multipart/mixed; boundary=b`, "--b\nContent-Type: text/plain\n\nhi\n--b--\n", "want application/http"},
		{"bad request line", "POST", `multipart/mixed; boundary=b`, "--b\nContent-Type: application/http\n\nhello\n--b--\n", "want METHOD /path HTTP/1.1"},
		{"GET", "GET", "", "", "want POST"},
	} {
		before := len(s.Errors())
		req, _ := http.NewRequest(c.method, url+"/batch/compute/v1", bytes.NewBufferString(c.body))
		if c.ctype != "" {
			req.Header.Set("Content-Type", c.ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		_ = resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(fmt.Sprint(body["error"]), c.want) {
			t.Errorf("%s: %d %v, want 400 saying %q", c.name, resp.StatusCode, body, c.want)
		}
		if len(s.Errors()) != before+1 {
			t.Errorf("%s: violation not recorded", c.name)
		}
	}
}
