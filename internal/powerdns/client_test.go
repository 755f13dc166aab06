package powerdns

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// readAnswer reads the whole answer whether or not its length is announced,
// and no more than its limit.
func TestReadAnswer(t *testing.T) {
	body := bytes.Repeat([]byte(`{"name":"n.example.test."}`), 2000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("chunked") {
			_, _ = w.Write(body[:100])
			w.(http.Flusher).Flush() // no Content-Length now
			_, _ = w.Write(body[100:])
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body))) // as PowerDNS sends it
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	for _, c := range []struct {
		query     string
		limit     int64
		announced bool
		want      []byte
	}{
		{"", 1 << 20, true, body},
		{"?chunked", 1 << 20, false, body},
		{"", 1000, true, body[:1000]},
		{"?chunked", 1000, false, body[:1000]},
	} {
		resp, err := http.Get(srv.URL + c.query)
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.ContentLength >= 0; got != c.announced {
			t.Fatalf("%q: length announced %v, want %v", c.query, got, c.announced)
		}
		got, err := readAnswer(resp, c.limit)
		_ = resp.Body.Close()
		if err != nil {
			t.Fatalf("%q: %v", c.query, err)
		}
		if !bytes.Equal(got, c.want) {
			t.Errorf("%q limit %d: read %d bytes, want %d", c.query, c.limit, len(got), len(c.want))
		}
	}
}
