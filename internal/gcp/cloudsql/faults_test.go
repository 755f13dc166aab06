package cloudsql

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backupplan"
	"github.com/ha-blueprints/terraform-provider-ha/internal/database"
	"github.com/ha-blueprints/terraform-provider-ha/internal/gcp"
)

// faulty sits before the local endpoint: fault(r) says what to do with a
// call (forward, drop the connection unanswered, forward and lose the
// answer, or answer 500 as Google does).
type faulty struct {
	next  http.Handler
	fault func(r *http.Request) string
}

func (f *faulty) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch f.fault(r) {
	case "lost":
		f.next.ServeHTTP(httptest.NewRecorder(), r)
		fallthrough
	case "drop":
		panic(http.ErrAbortHandler) // net/http closes the connection unanswered
	case "500":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"error":{"code":500,"message":"Internal error encountered.","status":"INTERNAL","errors":[{"message":"Internal error encountered.","domain":"global","reason":"backendError"}]}}`))
	default:
		f.next.ServeHTTP(w, r)
	}
}

func shortBackoff(t *testing.T) {
	old := gcp.Backoff
	gcp.Backoff.Initial, gcp.Backoff.Max, gcp.Backoff.Attempts = time.Millisecond, 5*time.Millisecond, 4
	t.Cleanup(func() { gcp.Backoff = old })
}

// An on-demand backup whose answer is lost (the backup is taken, the
// connection closes) is not taken twice by the retry, and a backup listing
// dropped once is retried; a listing that keeps failing ends in an error
// naming the call and Google's message.
func TestLocalBackupLostAnswerMakesNoTwin(t *testing.T) {
	shortBackoff(t)
	s, raw, rec := local(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var inserts, lists atomic.Int32
	listFault := "drop"
	rec.next = &faulty{next: rec.next, fault: func(r *http.Request) string {
		if !strings.HasSuffix(r.URL.Path, "/backupRuns") {
			return ""
		}
		if r.Method == http.MethodPost && inserts.Add(1) == 1 {
			return "lost"
		}
		if r.Method == http.MethodGet && lists.Add(1) == 1 {
			return listFault
		}
		return ""
	}}
	dbs, err := database.Open(ctx, backend.GCP, s, "us-east1")
	if err != nil {
		t.Fatal(err)
	}
	spec := dbSpec("lost-east", "us-east1")
	spec.DeletionProtection = false
	if _, err := dbs.Apply(ctx, spec, nil); err != nil {
		t.Fatalf("create database: %v", err)
	}
	plans, err := backupplan.Open(ctx, backend.GCP, s, "us-east1")
	if err != nil {
		t.Fatal(err)
	}
	pspec := backupplan.Spec{Meta: backend.Meta{Name: "lost-plan", Location: "us-east1", Component: "east/backup", Blueprint: "shop"},
		Schedule: "cron(0 3 * * ? *)", RetentionDays: 7, Database: "east/db", Resources: []string{"lost-east"},
		StartBackupNow: true, SnapshotTrigger: "1"}
	plan, err := plans.Apply(ctx, pspec, nil)
	if err != nil {
		t.Fatalf("backup plan with a lost answer: %v", err)
	}
	runs, err := raw.BackupRuns.List("ha-test", "lost-east").Do()
	if err != nil {
		t.Fatal(err)
	}
	taken := 0
	for _, r := range runs.Items {
		if r.Description == description("lost-plan", "1") {
			taken++
		}
	}
	if taken != 1 || inserts.Load() != 1 || plan.LatestSnapshotID == "" {
		t.Errorf("on-demand backups after a lost answer: %d (want 1), insert calls %d (want 1, the lost one), latest %q", taken, inserts.Load(), plan.LatestSnapshotID)
	}

	lists.Store(0)
	listFault = "500"
	rec.next.(*faulty).fault = func(r *http.Request) string {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/backupRuns") {
			lists.Add(1)
			return "500"
		}
		return ""
	}
	_, err = plans.Read(ctx, pspec, plan)
	if err == nil || !strings.Contains(err.Error(), "list backups of lost-east") || !strings.Contains(err.Error(), "Internal error encountered.") {
		t.Errorf("a listing failing past the retries: %v, want the call and Google's message", err)
	}
	if n := lists.Load(); n != int32(gcp.Backoff.Attempts) {
		t.Errorf("listing tried %d times, want %d", n, gcp.Backoff.Attempts)
	}
}
