package acceptance

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"time"
)

// gcloud runs one gcloud command in the test's project and returns what it
// printed.
//
// gcloud is the tests' observer of what was built on GCP: a client
// independent of the provider's. The commands run in one gcloud interpreter
// per endpoint (gcloudSession) rather than a process each: starting gcloud
// costs about 1.5 s of CPU, which was two thirds of the CPU of the GCP
// acceptance tests. The commands are gcloud's own, given the same arguments.
func gcloud(args ...string) (string, error) {
	args = append(args, "--project", os.Getenv("HA_GCP_PROJECT"))
	out, err := sessions.run(args)
	if err != nil {
		return "", fmt.Errorf("gcloud %s: %w", strings.Join(args, " "), err)
	}
	return out, nil
}

// gcloudReplyTimeout bounds one command; a session that does not answer in
// time is stopped, and the next command starts another.
const gcloudReplyTimeout = 3 * time.Minute

// gcloudLoop reads one JSON argument list per line, runs it through gcloud's
// CLI (built once) with stdout and stderr captured, and answers one JSON line
// with the exit code and the output. sys.argv[1] is gcloud's lib directory.
const gcloudLoop = `
import contextlib, io, json, os, sys
lib = sys.argv[1]
sys.path.insert(0, lib)
third = os.path.join(lib, 'third_party')
if os.path.isdir(third):
    sys.path.insert(0, third)
from googlecloudsdk import gcloud_main
from googlecloudsdk.core import log
cli = gcloud_main.CreateCLI([])
reply = sys.stdout
for line in sys.stdin:
    args = json.loads(line)
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        log.Reset(out, err)
        try:
            cli.Execute(args)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        except BaseException as e:
            err.write('%s: %s\n' % (type(e).__name__, e))
            code = 1
    reply.write(json.dumps({'code': code, 'out': out.getvalue(), 'err': err.getvalue()}) + '\n')
    reply.flush()
`

// gcloudSessions holds the running session; one at a time, restarted when
// the endpoint settings in the environment change.
type gcloudSessions struct {
	mu      sync.Mutex
	current *gcloudSession
	install struct {
		once        sync.Once
		python, lib string
		err         error
	}
}

var sessions gcloudSessions

// gcloudSession is one gcloud interpreter and the settings it was started
// with.
type gcloudSession struct {
	key string
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

type gcloudReply struct {
	Code int    `json:"code"`
	Out  string `json:"out"`
	Err  string `json:"err"`
}

// gcloudEnv is the environment of a session: the test's, without prompts
// or credentials (the local endpoint takes none).
func gcloudEnv() []string {
	return append(os.Environ(), "CLOUDSDK_AUTH_DISABLE_CREDENTIALS=true", "CLOUDSDK_CORE_DISABLE_PROMPTS=1")
}

// sessionKey is what a session's answers depend on besides the arguments:
// the CLOUDSDK_ settings, which gcloud reads when it starts.
func sessionKey() string {
	var kv []string
	for _, e := range os.Environ() {
		if strings.HasPrefix(e, "CLOUDSDK_") {
			kv = append(kv, e)
		}
	}
	sort.Strings(kv)
	return strings.Join(kv, "\n")
}

func (s *gcloudSessions) run(args []string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := sessionKey()
	if s.current != nil && s.current.key != key {
		s.current.stop()
		s.current = nil
	}
	if s.current == nil {
		sess, err := s.start(key)
		if err != nil {
			return "", err
		}
		s.current = sess
	}
	r, err := s.current.ask(args)
	if err != nil {
		// A session that failed to answer is not trusted again.
		s.current.stop()
		s.current = nil
		return "", err
	}
	if r.Code != 0 {
		return "", fmt.Errorf("exit status %d: %s", r.Code, r.Err)
	}
	return r.Out, nil
}

// locate asks gcloud once which Python it runs on and where its code is.
func (s *gcloudSessions) locate() (python, lib string, err error) {
	s.install.once.Do(func() {
		cmd := exec.Command("gcloud", "info", "--format", "value(basic.python_location,installation.sdk_root)")
		cmd.Env = gcloudEnv()
		out, err := cmd.Output()
		if err != nil {
			s.install.err = fmt.Errorf("gcloud info: %w (is google-cloud-cli installed?)", err)
			return
		}
		f := strings.Fields(string(out))
		if len(f) != 2 {
			s.install.err = fmt.Errorf("gcloud info: want the Python and the SDK root, got %q", out)
			return
		}
		s.install.python, s.install.lib = f[0], f[1]+"/lib"
	})
	return s.install.python, s.install.lib, s.install.err
}

func (s *gcloudSessions) start(key string) (*gcloudSession, error) {
	python, lib, err := s.locate()
	if err != nil {
		return nil, err
	}
	// -S as gcloud's launcher runs it: no site packages in the way of the
	// ones gcloud bundles.
	cmd := exec.Command(python, "-S", "-c", gcloudLoop, lib)
	cmd.Env = gcloudEnv()
	cmd.Stderr = os.Stderr // the interpreter's own failures; commands' stderr is captured
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting gcloud: %w", err)
	}
	return &gcloudSession{key: key, cmd: cmd, in: in, out: bufio.NewReader(out)}, nil
}

func (g *gcloudSession) ask(args []string) (gcloudReply, error) {
	line, err := json.Marshal(args)
	if err != nil {
		return gcloudReply{}, err
	}
	if _, err := g.in.Write(append(line, '\n')); err != nil {
		return gcloudReply{}, fmt.Errorf("gcloud session gone: %w", err)
	}
	type result struct {
		r   gcloudReply
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := g.out.ReadBytes('\n')
		if err != nil {
			done <- result{err: fmt.Errorf("gcloud session gone: %w", err)}
			return
		}
		var r gcloudReply
		if err := json.Unmarshal(b, &r); err != nil {
			done <- result{err: fmt.Errorf("gcloud session answered %q: %w", b, err)}
			return
		}
		done <- result{r: r}
	}()
	select {
	case res := <-done:
		return res.r, res.err
	case <-time.After(gcloudReplyTimeout):
		return gcloudReply{}, errors.New("gcloud did not answer in " + gcloudReplyTimeout.String())
	}
}

// stop ends the interpreter: its input closes, and it is killed if it is
// still busy.
func (g *gcloudSession) stop() {
	_ = g.in.Close()
	t := time.AfterFunc(5*time.Second, func() { _ = g.cmd.Process.Kill() })
	_ = g.cmd.Wait()
	t.Stop()
}
