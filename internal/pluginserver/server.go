// Package pluginserver serves a Terraform provider over the plugin protocol
// Terraform and OpenTofu speak (go-plugin's handshake, gRPC, automatic
// mutual TLS), without linking go-plugin's server.
//
// Why not tf6server.Serve: go-plugin's server also serves its net/rpc
// protocol, and net/rpc looks methods up by reflection. That one reachable
// call makes the Go linker keep every exported method of every type in the
// binary (all SDK clients' operations): twice the binary, and about a third
// more resident memory at start. The provider only ever speaks gRPC, so this
// package does the handshake itself and registers the same services
// (provider, controller, broker, stdio, health) on a gRPC server.
package pluginserver

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/types/known/emptypb"
)

// The handshake Terraform (and OpenTofu) expect from a protocol 6 provider:
// the cookie says the binary was started as a plugin.
const (
	MagicCookieKey   = "TF_PLUGIN_MAGIC_COOKIE"
	MagicCookieValue = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
	coreProtocol     = 1
	protocolVersion  = 6
	// Terraform's own limit for provider messages (large schemas and states).
	maxMessageSize = 256 << 20
)

// ErrNotPlugin is returned when the binary was not started by Terraform.
var ErrNotPlugin = errors.New("this binary is a Terraform provider: Terraform starts it; " +
	"run it with a subcommand (help) for the command-line tool")

// Options tune Serve; the zero value is what Terraform needs.
type Options struct {
	// Debug serves without the cookie, prints TF_REATTACH_PROVIDERS for a
	// Terraform run to attach to, and serves until interrupted.
	Debug bool
	// Stdout receives the handshake line (default os.Stdout).
	Stdout io.Writer
}

// Serve serves the provider built by factory under name (its registry
// address) until Terraform shuts it down.
func Serve(ctx context.Context, name string, factory func() tfprotov6.ProviderServer, opts Options) error {
	out := opts.Stdout
	if out == nil {
		out = os.Stdout
	}
	if !opts.Debug {
		if os.Getenv(MagicCookieKey) != MagicCookieValue {
			return ErrNotPlugin
		}
		if offered := os.Getenv("PLUGIN_PROTOCOL_VERSIONS"); !SupportsProtocol(offered) {
			return fmt.Errorf("the Terraform that started this provider speaks plugin protocol %s; "+
				"this provider speaks %d (Terraform 1.0 or later, OpenTofu)", offered, protocolVersion)
		}
	}

	ln, err := listen()
	if err != nil {
		return fmt.Errorf("plugin listener: %w", err)
	}
	defer func() { _ = ln.Close() }()

	serverOpts := []grpc.ServerOption{grpc.MaxRecvMsgSize(maxMessageSize), grpc.MaxSendMsgSize(maxMessageSize)}
	serverCert := ""
	if clientCert := os.Getenv("PLUGIN_CLIENT_CERT"); clientCert != "" && !opts.Debug {
		cfg, der, err := mutualTLS(clientCert)
		if err != nil {
			return err
		}
		serverOpts = append(serverOpts, grpc.Creds(credentials.NewTLS(cfg)))
		// The raw leaf, not PEM: the handshake is one line.
		serverCert = base64.RawStdEncoding.EncodeToString(der)
	}

	srv := grpc.NewServer(serverOpts...)
	provider := &tf6server.GRPCProviderPlugin{GRPCProvider: factory, Name: name}
	if err := provider.GRPCServer(nil, srv); err != nil {
		return fmt.Errorf("register provider: %w", err)
	}
	registerPluginServices(srv)

	// Terraform handles Ctrl-C itself and then stops its providers; the
	// interrupt also reaches this process (same process group) and must not
	// end it mid-apply. Notify rather than Ignore: an ignored signal would
	// stay ignored in the commands this provider runs. Outside debug mode
	// nothing reads the channel; Notify drops what does not fit.
	interrupts := make(chan os.Signal, 1)
	signal.Notify(interrupts, os.Interrupt)
	defer signal.Stop(interrupts)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	if opts.Debug {
		if err := printReattach(out, name, ln.Addr()); err != nil {
			srv.Stop()
			return err
		}
		select {
		case <-interrupts:
		case err := <-served:
			return err
		case <-ctx.Done():
		}
		srv.Stop()
		return stopped(<-served)
	}

	if _, err := fmt.Fprintf(out, "%d|%d|%s|%s|grpc|%s\n", coreProtocol, protocolVersion,
		ln.Addr().Network(), ln.Addr().String(), serverCert); err != nil {
		srv.Stop()
		return fmt.Errorf("write handshake: %w", err)
	}
	select {
	case err := <-served:
		return stopped(err)
	case <-ctx.Done():
		srv.Stop()
		return stopped(<-served)
	}
}

// stopped is Serve's result once the gRPC server has returned: a stop
// (Terraform's Shutdown, an interrupt in debug mode) is not an error.
func stopped(err error) error {
	if err == nil || errors.Is(err, grpc.ErrServerStopped) {
		return nil
	}
	return fmt.Errorf("serve: %w", err)
}

// listen opens a private unix socket, as go-plugin does on Unix
// (PLUGIN_UNIX_SOCKET_DIR chooses its directory), and a loopback TCP port
// on Windows, as go-plugin does there.
func listen() (net.Listener, error) {
	if runtime.GOOS == "windows" {
		return net.Listen("tcp", "127.0.0.1:0")
	}
	dir, err := os.MkdirTemp(os.Getenv("PLUGIN_UNIX_SOCKET_DIR"), "plugin")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "provider.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	// Closing the listener removes the socket; the directory goes with it.
	return &dirListener{Listener: ln, dir: dir}, nil
}

type dirListener struct {
	net.Listener
	dir string
}

func (l *dirListener) Close() error {
	err := l.Listener.Close()
	_ = os.RemoveAll(l.dir)
	return err
}

// mutualTLS answers Terraform's automatic mTLS: Terraform passes its client
// certificate in PLUGIN_CLIENT_CERT and trusts the server certificate sent
// back in the handshake, and only that.
func mutualTLS(clientCertPEM string) (*tls.Config, []byte, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(clientCertPEM)) {
		return nil, nil, errors.New("PLUGIN_CLIENT_CERT holds no PEM certificate")
	}
	// P-256: as safe here as go-plugin's P-521 and a fraction of the CPU,
	// paid by every provider process Terraform starts.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("server key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, nil, fmt.Errorf("certificate serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "localhost", Organization: []string{"terraform-provider-ha"}},
		DNSNames:              []string{"localhost"},
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyAgreement | x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true, // Terraform verifies the chain with this certificate as its root
		SerialNumber:          serial,
		NotBefore:             now.Add(-30 * time.Second),
		NotAfter:              now.Add(30 * 24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, fmt.Errorf("server certificate: %w", err)
	}
	cfg := &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
		MinVersion:   tls.VersionTLS12,
	}
	return cfg, der, nil
}

// registerPluginServices adds go-plugin's own services, which Terraform's
// client calls beside the provider: Shutdown ends this process (Terraform
// waits two seconds for that before it kills it), the broker and stdio
// streams are opened and held (this provider uses neither), and health
// answers Ping.
func registerPluginServices(srv *grpc.Server) {
	srv.RegisterService(&grpc.ServiceDesc{
		ServiceName: "plugin.GRPCController",
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{
			MethodName: "Shutdown",
			Handler: func(_ any, _ context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
				if err := dec(new(emptypb.Empty)); err != nil {
					return nil, err
				}
				// Stop waits for this handler; answer first.
				go srv.Stop()
				return new(emptypb.Empty), nil
			},
		}},
	}, struct{}{})
	hold := func(_ any, stream grpc.ServerStream) error {
		// Read until the client closes its side (broker) or the stream ends.
		for stream.RecvMsg(new(emptypb.Empty)) == nil {
		}
		<-stream.Context().Done()
		return nil
	}
	srv.RegisterService(&grpc.ServiceDesc{
		ServiceName: "plugin.GRPCBroker",
		HandlerType: (*any)(nil),
		Streams:     []grpc.StreamDesc{{StreamName: "StartStream", Handler: hold, ServerStreams: true, ClientStreams: true}},
	}, struct{}{})
	srv.RegisterService(&grpc.ServiceDesc{
		ServiceName: "plugin.GRPCStdio",
		HandlerType: (*any)(nil),
		Streams:     []grpc.StreamDesc{{StreamName: "StreamStdio", Handler: hold, ServerStreams: true}},
	}, struct{}{})
	hs := health.NewServer()
	hs.SetServingStatus("plugin", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
}

// printReattach prints what Terraform needs to attach to a provider started
// under a debugger, in the form tf6server prints it.
func printReattach(w io.Writer, name string, addr net.Addr) error {
	type reattachAddr struct{ Network, String string }
	type reattach struct {
		Protocol        string
		ProtocolVersion int
		Pid             int
		Test            bool
		Addr            reattachAddr
	}
	b, err := json.Marshal(map[string]reattach{name: {
		Protocol: "grpc", ProtocolVersion: protocolVersion, Pid: os.Getpid(), Test: true,
		Addr: reattachAddr{Network: addr.Network(), String: addr.String()},
	}})
	if err != nil {
		return fmt.Errorf("reattach configuration: %w", err)
	}
	_, err = fmt.Fprintf(w, "Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable with the following:\n\n\tTF_REATTACH_PROVIDERS='%s'\n\n",
		strings.ReplaceAll(string(b), `'`, `'"'"'`))
	return err
}

// SupportsProtocol reports whether the versions Terraform offers
// (PLUGIN_PROTOCOL_VERSIONS, comma separated; empty means any) include the
// one this provider speaks.
func SupportsProtocol(offered string) bool {
	if strings.TrimSpace(offered) == "" {
		return true
	}
	return slices.ContainsFunc(strings.Split(offered, ","), func(v string) bool {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		return err == nil && n == protocolVersion
	})
}
