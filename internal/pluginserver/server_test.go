package pluginserver_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/ha-blueprints/terraform-provider-ha/internal/pluginserver"
	"github.com/ha-blueprints/terraform-provider-ha/provider"
)

// The test binary serves the real provider when started as a plugin child.
const childEnv = "HA_PLUGINSERVER_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		err := pluginserver.Serve(context.Background(), "registry.terraform.io/ha-blueprints/ha", func() tfprotov6.ProviderServer {
			return providerserver.NewProtocol6(provider.New("test")())()
		}, pluginserver.Options{})
		if err != nil {
			_, _ = os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// rawProvider hands the test the gRPC connection go-plugin's client made, as
// Terraform's own plugin client does.
type rawProvider struct{ plugin.NetRPCUnsupportedPlugin }

func (rawProvider) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error {
	return errors.New("client only")
}

func (rawProvider) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return c, nil
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestTerraformsPluginClient starts the provider the way Terraform does
// (go-plugin's client: magic cookie, protocol 6 offered, automatic mutual
// TLS), calls the provider and go-plugin's health service over the
// connection, interrupts it as Ctrl-C in Terraform's terminal does, calls
// it again, then shuts it down as Terraform does at the end of a command.
func TestTerraformsPluginClient(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	logs := &syncBuffer{}
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig: plugin.HandshakeConfig{
			ProtocolVersion:  6,
			MagicCookieKey:   pluginserver.MagicCookieKey,
			MagicCookieValue: pluginserver.MagicCookieValue,
		},
		VersionedPlugins: map[int]plugin.PluginSet{6: {"provider": rawProvider{}}},
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		Logger:           hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Trace}),
	})
	defer client.Kill()

	rpc, err := client.Client()
	if err != nil {
		t.Fatalf("handshake: %v\n%s", err, logs)
	}
	if got := client.NegotiatedVersion(); got != 6 {
		t.Errorf("negotiated protocol %d, want 6", got)
	}
	if err := rpc.Ping(); err != nil {
		t.Errorf("health check: %v", err)
	}
	// Ctrl-C reaches the provider too (same process group); Terraform
	// stops it afterwards, the interrupt must not.
	child, err := os.FindProcess(client.ReattachConfig().Pid)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := child.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(200 * time.Millisecond) // an interrupt that ends the process has done so by now
	raw, err := rpc.Dispense("provider")
	if err != nil {
		t.Fatalf("dispense: %v", err)
	}
	conn := raw.(*grpc.ClientConn)
	// GetProviderSchema's request is an empty message; its answer is
	// decoded as unknown fields, enough to see the schema came back.
	resp := &emptypb.Empty{}
	if err := conn.Invoke(context.Background(), "/tfplugin6.Provider/GetProviderSchema", &emptypb.Empty{}, resp); err != nil {
		t.Fatalf("GetProviderSchema over mTLS: %v", err)
	}
	if body := resp.ProtoReflect().GetUnknown(); !bytes.Contains(body, []byte("ha_dns_failover")) {
		t.Errorf("schema answer (%d bytes) names no ha_dns_failover", len(body))
	}

	client.Kill()
	if !client.Exited() {
		t.Error("provider still running after Kill")
	}
	if strings.Contains(logs.String(), "failed to exit gracefully") {
		t.Errorf("Shutdown did not end the provider; Terraform had to kill it:\n%s", logs)
	}
}

func TestServeRefusesWithoutCookie(t *testing.T) {
	t.Setenv(pluginserver.MagicCookieKey, "")
	var out bytes.Buffer
	err := pluginserver.Serve(context.Background(), "x", nil, pluginserver.Options{Stdout: &out})
	if !errors.Is(err, pluginserver.ErrNotPlugin) {
		t.Fatalf("err = %v, want ErrNotPlugin", err)
	}
	if out.Len() != 0 {
		t.Errorf("wrote a handshake without the cookie: %q", out.String())
	}
}

func TestServeRefusesOldProtocol(t *testing.T) {
	t.Setenv(pluginserver.MagicCookieKey, pluginserver.MagicCookieValue)
	t.Setenv("PLUGIN_PROTOCOL_VERSIONS", "4,5")
	err := pluginserver.Serve(context.Background(), "x", nil, pluginserver.Options{Stdout: &bytes.Buffer{}})
	if err == nil || !strings.Contains(err.Error(), "speaks 6") {
		t.Fatalf("err = %v, want a protocol 6 explanation", err)
	}
}

func TestSupportsProtocol(t *testing.T) {
	for offered, want := range map[string]bool{"": true, "6": true, "5,6": true, " 5 , 6 ": true, "5": false, "4,5": false, "x": false} {
		if got := pluginserver.SupportsProtocol(offered); got != want {
			t.Errorf("SupportsProtocol(%q) = %v, want %v", offered, got, want)
		}
	}
}
