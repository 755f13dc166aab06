package gcplocal

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"strings"
	"time"
)

// Server-filled fields and project fixtures, as real Compute Engine answers
// them (see ../shared/gcp-recordings): defaults a request may leave out,
// output-only fields, the `default` network every project starts with and
// the public image projects.

// autoSubnetRanges are the ranges of auto-mode subnetworks (the default
// network's) in the regions the endpoint knows.
var autoSubnetRanges = map[string]string{
	"us-central1": "10.128.0.0/20", "europe-west1": "10.132.0.0/20", "us-west1": "10.138.0.0/20",
	"us-east1": "10.142.0.0/20", "asia-northeast1": "10.146.0.0/20", "us-east4": "10.150.0.0/20",
	"europe-west3": "10.156.0.0/20", "europe-west4": "10.164.0.0/20",
}

// publicImages are the images of the public image projects, newest last
// per family (what images.getFromFamily answers).
var publicImages = map[string][]struct{ name, family string }{
	"debian-cloud": {{"debian-11-bullseye-v20231010", "debian-11"}, {"debian-12-bookworm-v20240110", "debian-12"}},
}

// seedProject gives a project what a real one has before anyone creates
// anything: the `default` auto-mode network (a public image project: its
// images). Objects deleted later stay deleted.
func (s *Server) seedProject(project string) {
	if s.seeded == nil {
		s.seeded = map[string]bool{}
	}
	if s.seeded[project] {
		return
	}
	s.seeded[project] = true
	if imgs, ok := publicImages[project]; ok {
		for _, im := range imgs {
			key := "projects/" + project + "/global/images/" + im.name
			s.objects[key] = &object{key: key, svc: "compute", extra: map[string]any{}, body: map[string]any{
				"kind": "compute#image", "id": s.nextID(), "name": im.name, "family": im.family,
				"creationTimestamp": now(), "status": "READY", "sourceType": "RAW", "diskSizeGb": "10",
				"archiveSizeBytes": "0", "storageLocations": []any{"us", "eu", "asia"}, "architecture": "X86_64",
				"selfLink": ComputeBase + key}}
		}
		return
	}
	key := "projects/" + project + "/global/networks/default"
	id := s.nextID()
	net := map[string]any{
		"kind": "compute#network", "id": id, "name": "default", "creationTimestamp": now(),
		"description": "Default network for the project", "autoCreateSubnetworks": true, "subnetworks": []any{},
		"routingConfig": map[string]any{"routingMode": "REGIONAL"}, "networkFirewallPolicyEnforcementOrder": "AFTER_CLASSIC_FIREWALL",
		"selfLink": ComputeBase + key, "selfLinkWithId": ComputeBase + "projects/" + project + "/global/networks/" + id}
	s.objects[key] = &object{key: key, svc: "compute", extra: map[string]any{}, body: net}
	s.autoSubnetworks(project, net)
}

// autoSubnetworks creates an auto-mode network's subnetwork in every region.
func (s *Server) autoSubnetworks(project string, network map[string]any) {
	name := str(network["name"])
	for region, cidr := range autoSubnetRanges {
		key := "projects/" + project + "/regions/" + region + "/subnetworks/" + name
		b := map[string]any{"kind": "compute#subnetwork", "id": s.nextID(), "name": name, "creationTimestamp": now(),
			"network": network["selfLink"], "ipCidrRange": cidr, "selfLink": ComputeBase + key,
			"region": ComputeBase + "projects/" + project + "/regions/" + region, "fingerprint": fingerprint(key)}
		s.objects[key] = &object{key: key, svc: "compute", extra: map[string]any{"auto": true}, body: b}
		subnetworkDefaults(b)
		network["subnetworks"] = append(network["subnetworks"].([]any), b["selfLink"])
	}
	sortStrings(network["subnetworks"].([]any))
}

func sortStrings(a []any) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && str(a[j]) < str(a[j-1]); j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

func setDefault(b map[string]any, k string, v any) {
	if _, ok := b[k]; !ok {
		b[k] = v
	}
}

func subnetworkDefaults(b map[string]any) {
	if _, n, err := net.ParseCIDR(str(b["ipCidrRange"])); err == nil {
		ip := n.IP.To4()
		if ip != nil {
			setDefault(b, "gatewayAddress", fmt.Sprintf("%d.%d.%d.%d", ip[0], ip[1], ip[2], ip[3]+1))
		}
	}
	setDefault(b, "purpose", "PRIVATE")
	setDefault(b, "privateIpGoogleAccess", false)
	setDefault(b, "privateIpv6GoogleAccess", "DISABLE_GOOGLE_ACCESS")
	setDefault(b, "stackType", "IPV4_ONLY")
	setDefault(b, "state", "READY")
}

// fillDefaults sets the fields real GCP fills on insert (and keeps on a
// full update) for a collection's objects.
func (s *Server) fillDefaults(res string, o *object) *apiError {
	b := o.body
	seg := strings.Split(o.key, "/")
	project := seg[1]
	if hasProp(o.method, s.resourceSchema(o.method), "selfLinkWithId") {
		b["selfLinkWithId"] = ComputeBase + strings.Join(seg[:len(seg)-1], "/") + "/" + str(b["id"])
	}
	switch res {
	case "networks":
		setDefault(b, "subnetworks", []any{})
		setDefault(b, "routingConfig", map[string]any{"routingMode": "REGIONAL"})
		setDefault(b, "networkFirewallPolicyEnforcementOrder", "AFTER_CLASSIC_FIREWALL")
	case "subnetworks":
		subnetworkDefaults(b)
		if str(b["purpose"]) == "REGIONAL_MANAGED_PROXY" || str(b["purpose"]) == "GLOBAL_MANAGED_PROXY" {
			setDefault(b, "role", "ACTIVE")
		}
	case "globalForwardingRules", "forwardingRules":
		setDefault(b, "networkTier", "PREMIUM")
		scheme := str(b["loadBalancingScheme"])
		if (scheme == "INTERNAL" || scheme == "INTERNAL_MANAGED" || scheme == "INTERNAL_SELF_MANAGED") && b["network"] == nil {
			b["network"] = ComputeBase + "projects/" + project + "/global/networks/default"
		}
		if lbl := str(b["serviceLabel"]); lbl != "" && len(seg) > 3 && seg[2] == "regions" {
			b["serviceName"] = lbl + "." + str(b["name"]) + ".il4." + seg[3] + ".lb." + project + ".internal"
		}
		if t := str(b["target"]); (strings.Contains(t, "/serviceAttachments/") || t == "all-apis" || t == "vpc-sc") && b["pscConnectionId"] == nil {
			s.seq++
			b["pscConnectionId"] = fmt.Sprint(100000000000 + s.seq)
			b["pscConnectionStatus"] = "ACCEPTED"
			setDefault(b, "serviceDirectoryRegistrations", []any{map[string]any{
				"namespace": "goog-psc-default", "serviceDirectoryRegion": "us-central1"}})
		}
	case "addresses", "globalAddresses":
		setDefault(b, "addressType", "EXTERNAL")
		setDefault(b, "description", "")
		setDefault(b, "networkTier", "PREMIUM")
		if str(b["addressType"]) == "INTERNAL" {
			setDefault(b, "purpose", "GCE_ENDPOINT")
		}
	case "backendServices", "regionBackendServices":
		for k, v := range map[string]any{"sessionAffinity": "NONE", "affinityCookieTtlSec": 0, "timeoutSec": 30, "description": "",
			"connectionDraining": map[string]any{"drainingTimeoutSec": 0}} {
			setDefault(b, k, v)
		}
		// The deprecated port fields follow an HTTP protocol on regional services.
		if res == "regionBackendServices" && str(b["protocol"]) == "HTTP" {
			setDefault(b, "port", 80)
			setDefault(b, "portName", "http")
		}
	case "sslCertificates", "regionSslCertificates":
		if c := str(b["certificate"]); c != "" {
			blk, _ := pem.Decode([]byte(c))
			if blk == nil {
				return errf(400, "invalid", "The SSL certificate could not be parsed.")
			}
			cert, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				return errf(400, "invalid", "The SSL certificate could not be parsed: %v", err)
			}
			b["type"] = "SELF_MANAGED"
			b["selfManaged"] = map[string]any{"certificate": c}
			b["expireTime"] = cert.NotAfter.UTC().Format(time.RFC3339)
			if len(cert.DNSNames) > 0 {
				var sans []any
				for _, n := range cert.DNSNames {
					sans = append(sans, n)
				}
				b["subjectAlternativeNames"] = sans
			}
			// The private key is write-only.
			delete(b, "privateKey")
		} else if b["managed"] != nil {
			b["type"] = "MANAGED"
		}
	case "httpHealthChecks", "httpsHealthChecks":
		// Real answers carry proxyHeader, which the discovery document
		// lacks (a warning of the checker, see README).
		setDefault(b, "proxyHeader", "NONE")
	case "targetHttpsProxies", "regionTargetHttpsProxies":
		setDefault(b, "quicOverride", "NONE")
		setDefault(b, "tlsEarlyData", "DISABLED")
	case "instances":
		b["status"] = "RUNNING"
		setDefault(b, "cpuPlatform", "Intel Broadwell")
		b["lastStartTimestamp"] = now()
	case "disks":
		setDefault(b, "sizeGb", "10")
		setDefault(b, "physicalBlockSizeBytes", "4096")
		b["status"] = "READY"
	case "images":
		b["status"] = "READY"
		setDefault(b, "sourceType", "RAW")
		setDefault(b, "storageLocations", []any{"us"})
		if d := s.objects[strings.TrimPrefix(str(b["sourceDisk"]), ComputeBase)]; d != nil {
			b["sourceDiskId"] = d.body["id"]
			setDefault(b, "diskSizeGb", d.body["sizeGb"])
		}
		setDefault(b, "diskSizeGb", "10")
	case "instanceGroups", "regionInstanceGroups":
		b["size"] = len(groupMembers(o))
	}
	return nil
}

// copiesOnly are kinds whose references to other objects do not keep
// those from being deleted (a template or image holds a copy of what it
// named).
var copiesOnly = map[string]bool{"instanceTemplates": true, "images": true, "disks": true, "snapshots": true, "machineImages": true}

// peering adds or removes a network peering (networks.addPeering /
// removePeering): names unique on the network, a missing one refused.
func peering(o *object, kind, project string, body map[string]any) *apiError {
	peers, _ := o.body["peerings"].([]any)
	if kind == "removePeering" {
		name := str(body["name"])
		for i, p := range peers {
			if m, _ := p.(map[string]any); str(m["name"]) == name {
				o.body["peerings"] = append(peers[:i:i], peers[i+1:]...)
				return nil
			}
		}
		return errf(400, "invalid", "There is no peering with name '%s' on network '%s'.", name, str(o.body["name"]))
	}
	np, _ := body["networkPeering"].(map[string]any)
	p := map[string]any{"name": str(body["name"]), "network": str(body["peerNetwork"]),
		"autoCreateRoutes": true, "exchangeSubnetRoutes": true}
	for k, v := range np {
		p[k] = deepCopy(v)
	}
	if p["name"] == "" || p["network"] == "" {
		return errf(400, "required", "Required field 'name' and 'network' of the peering not specified")
	}
	p["network"] = normalizeRefs(project, p["network"])
	for _, e := range peers {
		if m, _ := e.(map[string]any); str(m["name"]) == str(p["name"]) {
			return errf(400, "invalid", "There is already a peering with name '%s' on network '%s'.", str(p["name"]), str(o.body["name"]))
		}
	}
	p["state"], p["stateDetails"] = "ACTIVE", "Connected."
	o.body["peerings"] = append(peers, p)
	return nil
}
