package gcplocal

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"
)

// TestComputeProjectModel: what a project has before anything is created
// (the default network, public images), networks and their subnetworks,
// SSL certificates, unmanaged instance groups and peerings, as real GCP
// answers them.
func TestComputeProjectModel(t *testing.T) {
	s, url := start(t)
	c := "/compute/v1/projects/p/"
	must := func(want int, method, path, body string) map[string]any {
		t.Helper()
		if !strings.HasPrefix(path, "/") {
			path = c + path
		}
		code, b := call(t, url, method, path, body)
		if code != want {
			t.Fatalf("%s %s: %d %v, want %d", method, path, code, b, want)
		}
		return b
	}
	reason := func(b map[string]any) string { return errReason(b) }

	// The default network, auto mode, a subnetwork in each region.
	n := must(200, "GET", "global/networks/default", "")
	if n["autoCreateSubnetworks"] != true || !strings.Contains(fmt.Sprint(n["subnetworks"]), "regions/us-central1/subnetworks/default") || n["selfLinkWithId"] == nil {
		t.Errorf("default network: %v", n)
	}
	if sub := must(200, "GET", "regions/us-central1/subnetworks/default", ""); sub["ipCidrRange"] != "10.128.0.0/20" || sub["gatewayAddress"] != "10.128.0.1" {
		t.Errorf("default subnetwork: %v", sub)
	}
	if b := must(400, "POST", "regions/us-east1/subnetworks", `{"name":"x","network":"global/networks/default","ipCidrRange":"10.9.0.0/24"}`); !strings.Contains(fmt.Sprint(b), "auto subnet mode") {
		t.Errorf("subnetwork on an auto-mode network: %v", b)
	}
	// A custom network keeps its subnetworks listed and cannot go before them.
	must(200, "POST", "global/networks", `{"name":"n","autoCreateSubnetworks":false}`)
	must(200, "POST", "regions/us-east1/subnetworks", `{"name":"sn","network":"global/networks/n","ipCidrRange":"10.9.0.0/24"}`)
	if n := must(200, "GET", "global/networks/n", ""); fmt.Sprint(n["subnetworks"]) != "["+ComputeBase+"projects/p/regions/us-east1/subnetworks/sn]" {
		t.Errorf("custom network's subnetworks: %v", n["subnetworks"])
	}
	if b := must(400, "DELETE", "global/networks/n", ""); reason(b) != "resourceInUseByAnotherResource" {
		t.Errorf("delete of a network with a subnetwork: %v", b)
	}
	// Peerings: names unique, a missing one refused.
	peer := `{"name":"pp","networkPeering":{"name":"pp","network":"projects/q/global/networks/other","exchangeSubnetRoutes":true}}`
	must(200, "POST", "global/networks/n/addPeering", peer)
	must(400, "POST", "global/networks/n/addPeering", peer)
	if n := must(200, "GET", "global/networks/n", ""); !strings.Contains(fmt.Sprint(n["peerings"]), "state:ACTIVE") {
		t.Errorf("peering: %v", n["peerings"])
	}
	must(200, "POST", "global/networks/n/removePeering", `{"name":"pp"}`)
	must(400, "POST", "global/networks/n/removePeering", `{"name":"pp"}`)
	must(200, "DELETE", "regions/us-east1/subnetworks/sn", "")
	must(200, "DELETE", "global/networks/n", "")
	// An auto-mode network takes its subnetworks with it.
	must(200, "DELETE", "global/networks/default", "")
	must(404, "GET", "regions/us-central1/subnetworks/default", "")

	// Public images: the newest of a family.
	if im := must(200, "GET", "/compute/v1/projects/debian-cloud/global/images/family/debian-12", ""); !strings.HasPrefix(fmt.Sprint(im["name"]), "debian-12-") {
		t.Errorf("image from family: %v", im)
	}
	must(404, "GET", "/compute/v1/projects/debian-cloud/global/images/family/nope", "")

	// SSL certificates: the expiry read from the certificate, the key never returned.
	cert, key := selfSigned(t, time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC))
	body, _ := json.Marshal(map[string]any{"name": "crt", "certificate": cert, "privateKey": key})
	must(200, "POST", "global/sslCertificates", string(body))
	sc := must(200, "GET", "global/sslCertificates/crt", "")
	if sc["expireTime"] != "2031-05-06T07:08:09Z" || sc["type"] != "SELF_MANAGED" || sc["privateKey"] != nil || sc["subjectAlternativeNames"] == nil {
		t.Errorf("certificate: %v", sc)
	}
	must(400, "POST", "global/sslCertificates", `{"name":"bad","certificate":"not a certificate","privateKey":"k"}`)

	// Unmanaged groups: members added, listed, and gone with their instance.
	must(200, "POST", "zones/us-east1-b/instances", `{"name":"vm","machineType":"zones/us-east1-b/machineTypes/e2-small"}`)
	if vm := must(200, "GET", "zones/us-east1-b/instances/vm", ""); vm["status"] != "RUNNING" {
		t.Errorf("instance status: %v", vm["status"])
	}
	must(200, "POST", "zones/us-east1-b/instanceGroups", `{"name":"ig","namedPorts":[{"name":"http","port":8080}]}`)
	must(404, "POST", "zones/us-east1-b/instanceGroups/ig/addInstances", `{"instances":[{"instance":"zones/us-east1-b/instances/nope"}]}`)
	must(200, "POST", "zones/us-east1-b/instanceGroups/ig/addInstances", `{"instances":[{"instance":"zones/us-east1-b/instances/vm"}]}`)
	if g := must(200, "GET", "zones/us-east1-b/instanceGroups/ig", ""); g["size"] != float64(1) {
		t.Errorf("group size: %v", g["size"])
	}
	if l := must(200, "POST", "zones/us-east1-b/instanceGroups/ig/listInstances", `{"instanceState":"ALL"}`); !strings.Contains(fmt.Sprint(l["items"]), "instances/vm") {
		t.Errorf("listInstances: %v", l)
	}
	must(200, "DELETE", "zones/us-east1-b/instances/vm", "")
	if g := must(200, "GET", "zones/us-east1-b/instanceGroups/ig", ""); g["size"] != float64(0) {
		t.Errorf("group size after the instance's delete: %v", g["size"])
	}
	if errs := s.Errors(); len(errs) > 0 {
		t.Errorf("violations: %+v", errs)
	}
}

func selfSigned(t *testing.T, notAfter time.Time) (certPEM, keyPEM string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "example.com"},
		DNSNames: []string{"example.com"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(k)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}))
}
