package gcplocal

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
)

// maxBatchCalls is Google's limit of calls in one batch request.
const maxBatchCalls = 1000

// batchCall is one embedded request of a batch.
type batchCall struct {
	contentID string // the part's Content-ID, without the angle brackets
	req       *http.Request
}

// serveBatch answers a batch request (POST /{batchPath}, multipart/mixed,
// each part an application/http request) as Google does: one
// multipart/mixed answer whose parts are the embedded responses, each with
// Content-ID "<response-ID>" for the request part "<ID>". Every embedded call
// goes through serveAPI, so it is checked against the contract as if sent
// alone; it must belong to an API whose discovery document names this batch
// path (Google: all inner requests go to the same API).
func (s *Server) serveBatch(w http.ResponseWriter, r *http.Request, batchPath string) {
	reqDesc := r.Method + " " + r.URL.RequestURI()
	calls, err := parseBatch(r)
	if err != nil {
		s.record(Violation{Request: reqDesc, Side: "request", Problems: []Problem{{Path: "batch", Message: err.Error()}}})
		writeError(w, errf(400, "badRequest", "contract violation: batch request: %v", err))
		return
	}
	boundary := "batch_" + randomToken()
	var out bytes.Buffer
	mw := multipart.NewWriter(&out)
	if err := mw.SetBoundary(boundary); err != nil {
		writeError(w, errf(500, "backendError", "batch boundary: %v", err))
		return
	}
	for _, c := range calls {
		pw := &partWriter{header: http.Header{}}
		if m, _, err := s.C.Route(c.req.Method, c.req.URL.Path); err == nil && m.doc.BatchPath != batchPath {
			desc := c.req.Method + " " + c.req.URL.RequestURI()
			msg := fmt.Sprintf("%s is not served by the batch path /%s (its document's is /%s)", m.ID, batchPath, m.doc.BatchPath)
			s.record(Violation{Request: desc, MethodID: m.ID, Side: "request", Problems: []Problem{{Path: "path", Message: msg}}})
			writeError(pw, errf(400, "badRequest", "contract violation: %s", msg))
		} else {
			s.serveAPI(pw, c.req)
		}
		h := textproto.MIMEHeader{"Content-Type": {"application/http"}}
		if c.contentID != "" {
			h["Content-ID"] = []string{"<response-" + c.contentID + ">"} // Google's spelling
		}
		part, err := mw.CreatePart(h)
		if err == nil {
			_, err = part.Write(pw.bytes())
		}
		if err != nil {
			writeError(w, errf(500, "backendError", "batch answer: %v", err))
			return
		}
	}
	if err := mw.Close(); err != nil {
		writeError(w, errf(500, "backendError", "batch answer: %v", err))
		return
	}
	w.Header().Set("Content-Type", "multipart/mixed; boundary="+boundary)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out.Bytes())
}

// parseBatch reads a batch request's embedded calls. The outer request's
// headers other than Content-* apply to every call (Google's batch rules)
// unless the call sets them itself.
func parseBatch(r *http.Request) ([]batchCall, error) {
	if r.Method != http.MethodPost {
		return nil, fmt.Errorf("method %s, want POST", r.Method)
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, fmt.Errorf("content type %q: %w", r.Header.Get("Content-Type"), err)
	}
	if mt != "multipart/mixed" || params["boundary"] == "" {
		return nil, fmt.Errorf("content type %q, want multipart/mixed with a boundary", r.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(io.LimitReader(r.Body, 64<<20), params["boundary"])
	var calls []batchCall
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("part %d: %w", len(calls)+1, err)
		}
		if pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); pt != "application/http" {
			return nil, fmt.Errorf("part %d: content type %q, want application/http", len(calls)+1, p.Header.Get("Content-Type"))
		}
		raw, err := io.ReadAll(p)
		if err != nil {
			return nil, fmt.Errorf("part %d: %w", len(calls)+1, err)
		}
		req, err := parseEmbeddedRequest(raw, r)
		if err != nil {
			return nil, fmt.Errorf("part %d: %w", len(calls)+1, err)
		}
		id := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(p.Header.Get("Content-Id")), "<"), ">")
		calls = append(calls, batchCall{contentID: id, req: req})
		if len(calls) > maxBatchCalls {
			return nil, fmt.Errorf("more than %d calls", maxBatchCalls)
		}
	}
	if len(calls) == 0 {
		return nil, errors.New("no calls")
	}
	return calls, nil
}

// parseEmbeddedRequest reads "METHOD /path?query HTTP/1.1", headers, a
// blank line and the body. Not http.ReadRequest: clients (apitools) send a
// body without Content-Length, which it would drop.
func parseEmbeddedRequest(raw []byte, outer *http.Request) (*http.Request, error) {
	br := bufio.NewReader(bytes.NewReader(raw))
	tp := textproto.NewReader(br)
	line, err := tp.ReadLine()
	if err != nil {
		return nil, fmt.Errorf("request line: %w", err)
	}
	f := strings.Fields(line)
	if len(f) != 3 || !strings.HasPrefix(f[2], "HTTP/") || !strings.HasPrefix(f[1], "/") {
		return nil, fmt.Errorf("request line %q, want METHOD /path HTTP/1.1", line)
	}
	hdr, err := tp.ReadMIMEHeader()
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("headers of %s %s: %w", f[0], f[1], err)
	}
	body, err := io.ReadAll(br)
	if err != nil {
		return nil, fmt.Errorf("body of %s %s: %w", f[0], f[1], err)
	}
	if cl := hdr.Get("Content-Length"); cl != "" {
		if n, err := strconv.Atoi(cl); err == nil && n >= 0 && n <= len(body) {
			body = body[:n]
		}
	}
	req, err := http.NewRequestWithContext(outer.Context(), f[0], f[1], bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", f[0], f[1], err)
	}
	req.RequestURI = f[1]
	req.Header = http.Header(hdr)
	if req.Header == nil {
		req.Header = http.Header{}
	}
	for k, v := range outer.Header {
		if !strings.HasPrefix(k, "Content-") && req.Header.Get(k) == "" {
			req.Header[k] = v
		}
	}
	req.Host = outer.Host
	if h := hdr.Get("Host"); h != "" {
		req.Host = h
	}
	return req, nil
}

// partWriter keeps one embedded call's answer for the batch response.
type partWriter struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (p *partWriter) Header() http.Header { return p.header }

func (p *partWriter) WriteHeader(code int) {
	if p.code == 0 {
		p.code = code
	}
}

func (p *partWriter) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return p.body.Write(b)
}

// bytes is the answer as an application/http part holds it: status line,
// headers, blank line, body.
func (p *partWriter) bytes() []byte {
	p.WriteHeader(http.StatusOK)
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", p.code, http.StatusText(p.code))
	p.header.Set("Content-Length", strconv.Itoa(p.body.Len()))
	_ = p.header.Write(&b)
	b.WriteString("\r\n")
	b.Write(p.body.Bytes())
	return b.Bytes()
}

func randomToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
