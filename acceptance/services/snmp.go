package services

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// PDUCommunities are the simulated PDUs, one SNMP community (data file) each.
var PDUCommunities = []string{"pdu-a", "pdu-b"}

// PDUOutlets is how many outlets each simulated PDU has.
const PDUOutlets = 8

// apcRPDURecords renders an snmprec for an APC switched rack PDU (PowerNet
// MIB, rPDU branch 1.3.6.1.4.1.318.1.1.12). Outlet commands use the
// writecache variation so SETs stick, and, as on the real device, reading
// rPDUOutletControlOutletCommand returns the outlet's state. snmpsimd's
// writecache is keyed by OID alone, so a SET through one community shows
// through every community of the same agent: tests switch outlets of one
// simulated PDU only.
func apcRPDURecords(name string, outlets, loadTenths int) string {
	const rpdu = "1.3.6.1.4.1.318.1.1.12"
	var recs []string
	line := func(oid, typ, val string) { recs = append(recs, fmt.Sprintf("%s|%s|%s", oid, typ, val)) }
	line("1.3.6.1.2.1.1.1.0", "4", "APC Web/SNMP Management Card (MB:v4.1.0 PF:v6.4.6 PN:apc_hw05_aos_646.bin AN1:apc_hw05_rpdu2g_646.bin MN:AP8941)")
	line("1.3.6.1.2.1.1.2.0", "6", "1.3.6.1.4.1.318.1.3.4.6")
	line("1.3.6.1.2.1.1.5.0", "4", name)
	line(rpdu+".1.1.0", "4", name)                          // rPDUIdentName
	line(rpdu+".1.5.0", "4", "AP8941")                      // rPDUIdentModelNumber
	line(rpdu+".1.7.0", "2", "32")                          // rPDUIdentDeviceRating (A)
	line(rpdu+".1.8.0", "2", fmt.Sprint(outlets))           // rPDUIdentDeviceNumOutlets
	line(rpdu+".1.9.0", "2", "1")                           // rPDUIdentDeviceNumPhases
	line(rpdu+".1.16.0", "2", "1200")                       // rPDUIdentDevicePowerWatts
	line(rpdu+".2.3.1.1.1.1", "2", "1")                     // rPDULoadStatusIndex
	line(rpdu+".2.3.1.1.2.1", "66", fmt.Sprint(loadTenths)) // rPDULoadStatusLoad (tenths of A)
	line(rpdu+".2.3.1.1.3.1", "2", "1")                     // rPDULoadStatusLoadState: phaseLoadNormal
	line(rpdu+".2.3.1.1.4.1", "2", "1")                     // rPDULoadStatusPhaseNumber
	line(rpdu+".2.3.1.1.5.1", "2", "0")                     // rPDULoadStatusBankNumber
	// Two banks share the phase's load (rows 2 and 3 of rPDULoadStatusTable).
	for bank := 1; bank <= 2; bank++ {
		idx := fmt.Sprint(bank + 1)
		share := loadTenths / 2
		if bank == 1 {
			share = loadTenths - loadTenths/2
		}
		line(rpdu+".2.3.1.1.1."+idx, "2", idx)
		line(rpdu+".2.3.1.1.2."+idx, "66", fmt.Sprint(share))
		line(rpdu+".2.3.1.1.3."+idx, "2", "1")
		line(rpdu+".2.3.1.1.4."+idx, "2", "1")
		line(rpdu+".2.3.1.1.5."+idx, "2", fmt.Sprint(bank))
	}
	for i := 1; i <= outlets; i++ {
		n := fmt.Sprint(i)
		line(rpdu+".3.3.1.1.1."+n, "2", n)                           // rPDUOutletControlIndex
		line(rpdu+".3.3.1.1.2."+n, "4", fmt.Sprintf("Outlet %d", i)) // rPDUOutletControlOutletName
		line(rpdu+".3.3.1.1.3."+n, "2", "1")                         // rPDUOutletControlOutletPhase
		line(rpdu+".3.3.1.1.4."+n, "2:writecache", "value=1")        // rPDUOutletControlOutletCommand: immediateOn
		line(rpdu+".3.5.1.1.1."+n, "2", n)                           // rPDUOutletStatusIndex
		line(rpdu+".3.5.1.1.2."+n, "4", fmt.Sprintf("Outlet %d", i)) // rPDUOutletStatusOutletName
		line(rpdu+".3.5.1.1.3."+n, "2", "1")                         // rPDUOutletStatusOutletPhase
		line(rpdu+".3.5.1.1.4."+n, "2", "1")                         // rPDUOutletStatusOutletState: outletStatusOn
	}
	// snmpsimd searches the file for GETNEXT and walks, so records must be
	// in OID order (numerically, arc by arc), not in the order written.
	sort.Slice(recs, func(i, j int) bool { return oidLess(recs[i], recs[j]) })
	return strings.Join(recs, "\n") + "\n"
}

// oidLess compares the OIDs that start two snmprec lines arc by arc.
func oidLess(a, b string) bool {
	pa := strings.Split(strings.SplitN(a, "|", 2)[0], ".")
	pb := strings.Split(strings.SplitN(b, "|", 2)[0], ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		x, _ := strconv.Atoi(pa[i])
		y, _ := strconv.Atoi(pb[i])
		if x != y {
			return x < y
		}
	}
	return len(pa) < len(pb)
}

// startSNMP starts snmpsimd serving one APC rPDU per community.
func startSNMP(ctx context.Context, dir string) (*Process, map[string]string, error) {
	bin, err := exec.LookPath("snmpsimd")
	if err != nil {
		return nil, nil, fmt.Errorf("snmpsimd not found (Debian package snmpsim): %w", err)
	}
	sdir := filepath.Join(dir, "snmp")
	data := filepath.Join(sdir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, nil, err
	}
	for i, c := range PDUCommunities {
		recs := apcRPDURecords(c, PDUOutlets, 40+10*i)
		if err := os.WriteFile(filepath.Join(data, c+".snmprec"), []byte(recs), 0o644); err != nil {
			return nil, nil, err
		}
	}
	port, err := freeUDPPort()
	if err != nil {
		return nil, nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p, err := start(dir, "snmpsim", nil, bin,
		"--data-dir="+data, "--cache-dir="+filepath.Join(sdir, "cache"),
		"--agent-udpv4-endpoint="+addr,
		"--process-user=root", "--process-group=root", "--logging-method=stderr")
	if err != nil {
		return nil, nil, err
	}
	// Ready once the agent answers an SNMP GET of sysName.
	if err := waitFor(ctx, p, 60*time.Second, snmpAnswers(addr, PDUCommunities[0])); err != nil {
		_ = p.Stop()
		return nil, nil, err
	}
	return p, map[string]string{
		"HA_TEST_SNMP_ADDR":        addr,
		"HA_TEST_SNMP_COMMUNITIES": strings.Join(PDUCommunities, ","),
		"HA_TEST_SNMP_OUTLETS":     fmt.Sprint(PDUOutlets),
	}, nil
}

func freeUDPPort() (int, error) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = c.Close() }()
	return c.LocalAddr().(*net.UDPAddr).Port, nil
}

// snmpAnswers sends a minimal SNMPv2c GET for sysName.0 and waits for any reply.
func snmpAnswers(addr, community string) func() error {
	return func() error {
		c, err := net.Dial("udp", addr)
		if err != nil {
			return err
		}
		defer func() { _ = c.Close() }()
		_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
		if _, err := c.Write(snmpGetPacket(community, []int{1, 3, 6, 1, 2, 1, 1, 5, 0})); err != nil {
			return err
		}
		buf := make([]byte, 1500)
		n, err := c.Read(buf)
		if err != nil {
			return err
		}
		if n < 2 || buf[0] != 0x30 {
			return fmt.Errorf("unexpected SNMP reply")
		}
		return nil
	}
}

// snmpGetPacket encodes an SNMPv2c GetRequest in BER; enough for a readiness
// probe without pulling an SNMP library into the harness.
func snmpGetPacket(community string, oid []int) []byte {
	tlv := func(tag byte, body []byte) []byte {
		return append([]byte{tag, byte(len(body))}, body...)
	}
	enc := []byte{byte(oid[0]*40 + oid[1])}
	for _, n := range oid[2:] {
		enc = append(enc, byte(n)) // every arc here is < 128
	}
	varbind := tlv(0x30, append(tlv(0x06, enc), 0x05, 0x00))
	pdu := tlv(0xa0, append(append(append(tlv(0x02, []byte{1}), tlv(0x02, []byte{0})...), tlv(0x02, []byte{0})...), tlv(0x30, varbind)...))
	msg := append(append(tlv(0x02, []byte{1}), tlv(0x04, []byte(community))...), pdu...)
	return tlv(0x30, msg)
}
