package patroni

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// etcd's own leader matters to failover time: when the host that loses
// power holds both the PostgreSQL leader and the etcd leader, etcd first
// elects a new leader (an election timeout) and that leader then renews
// every lease for a full ttl, so Patroni's leader key lives on about
// EtcdElection x 2 seconds longer. Keeping etcd's leader on another host
// than PostgreSQL's takes those seconds out of a power or link loss.

type etcdHeader struct {
	MemberID string `json:"member_id"`
}

type etcdStatus struct {
	Header etcdHeader `json:"header"`
	Leader string     `json:"leader"`
}

type etcdMembers struct {
	Members []struct {
		ID   string `json:"ID"`
		Name string `json:"name"`
	} `json:"members"`
}

func etcdCall(ctx context.Context, endpoint, path string, in, out any) error {
	body, _ := json.Marshal(in)
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("etcd %s: HTTP %d", path, resp.StatusCode)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// MoveEtcdLeader makes sure etcd's leader is not member avoid (by name):
// when it is, leadership moves to another member. endpoints are the
// members' client URLs (http://address:port) by member name.
func MoveEtcdLeader(ctx context.Context, endpoints map[string]string, avoid string) error {
	var ms etcdMembers
	var errs []error
	for _, ep := range endpoints {
		if err := etcdCall(ctx, ep, "/v3/cluster/member/list", map[string]any{}, &ms); err == nil {
			break
		} else {
			errs = append(errs, err)
		}
	}
	if len(ms.Members) == 0 {
		return fmt.Errorf("list etcd members: %w", errors.Join(errs...))
	}
	byID := map[string]string{}
	var target string
	for _, m := range ms.Members {
		byID[m.ID] = m.Name
		if m.Name != avoid && target == "" {
			target = m.ID
		}
	}
	ep, ok := endpoints[avoid]
	if !ok || target == "" {
		return nil
	}
	var st etcdStatus
	if err := etcdCall(ctx, ep, "/v3/maintenance/status", map[string]any{}, &st); err != nil {
		return fmt.Errorf("etcd status of %s: %w", avoid, err)
	}
	if byID[st.Leader] != avoid {
		return nil
	}
	// Only the leader can hand leadership over.
	if err := etcdCall(ctx, ep, "/v3/maintenance/transfer-leadership", map[string]any{"targetID": target}, nil); err != nil {
		return fmt.Errorf("move etcd leadership from %s to %s: %w", avoid, byID[target], err)
	}
	return nil
}
