package app

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/crisis"
	"github.com/kaval-desk/kaval/internal/report"
	"github.com/kaval-desk/kaval/internal/store"
)

// The crisis API as wired: who may open, switch surge mode and close a
// room; refusals change nothing; the report is redacted by default; a
// room is an incident of the daily report.
func TestCrisisAPI(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ta := newTestApp(t, db)
		open := map[string]any{"title": "Bandh in Jayanagar", "severity": "warning", "area": "Jayanagar 4th Block", "stations": []string{"Jayanagar PS"}}
		if code := ta.call(t, "agent", "POST", "/api/v1/crisis/rooms", open, nil); code != http.StatusForbidden {
			t.Fatalf("agent opened a room: %d", code)
		}
		if code := ta.call(t, "supervisor", "POST", "/api/v1/crisis/rooms", map[string]any{"title": "", "severity": "warning"}, nil); code != http.StatusUnprocessableEntity {
			t.Fatalf("room without a title: %d", code)
		}
		var room struct {
			crisis.Room
			Timeline []crisis.Event `json:"timeline"`
		}
		if code := ta.call(t, "supervisor", "POST", "/api/v1/crisis/rooms", open, &room); code != http.StatusCreated || room.ID == 0 {
			t.Fatalf("open: %d %+v", code, room)
		}
		path := fmt.Sprintf("/api/v1/crisis/rooms/%d", room.ID)
		if code := ta.call(t, "agent", "GET", path, nil, &room); code != http.StatusOK || room.Title != "Bandh in Jayanagar" || len(room.Timeline) != 1 {
			t.Fatalf("agent reads the room: %d %+v", code, room)
		}
		if code := ta.call(t, "analyst", "POST", path+"/surge", map[string]any{"on": true}, nil); code != http.StatusForbidden {
			t.Fatalf("analyst switched surge mode: %d", code)
		}
		if code := ta.call(t, "supervisor", "POST", path+"/surge", map[string]any{"on": true, "link": "http://plain.example/"}, nil); code != http.StatusUnprocessableEntity {
			t.Fatalf("an http link was pinned: %d", code)
		}
		var rm crisis.Room
		if code := ta.call(t, "supervisor", "POST", path+"/surge", map[string]any{"on": true, "link": "https://bcp.example/bandh"}, &rm); code != http.StatusOK || !rm.Surge.On {
			t.Fatalf("surge: %d %+v", code, rm)
		}
		if got := ta.Crisis.AdvisoryLink("Jayanagar PS"); got != "https://bcp.example/bandh" {
			t.Fatalf("pinned link %q", got)
		}
		if code := ta.call(t, "supervisor", "POST", path+"/close", map[string]any{"summary": "Bandh called off; organiser's number 9845012345 on file."}, &rm); code != http.StatusOK || rm.State != "closed" || rm.Surge.On {
			t.Fatalf("close: %d %+v", code, rm)
		}
		if code := ta.call(t, "supervisor", "POST", path+"/tasks", map[string]any{"title": "late"}, nil); code != http.StatusConflict {
			t.Fatalf("task in a closed room: %d", code)
		}
		var rep crisis.Report
		if code := ta.call(t, "analyst", "GET", path+"/report", nil, &rep); code != http.StatusOK || strings.Contains(rep.Room.Summary, "9845012345") ||
			!strings.Contains(rep.Room.Summary, "Bandh called off") {
			t.Fatalf("report: %d %q", code, rep.Room.Summary)
		}
		if code := ta.call(t, "analyst", "GET", path+"/report?pii=show", nil, nil); code != http.StatusForbidden {
			t.Fatalf("analyst unmasked the report: %d", code)
		}
		if code := ta.call(t, "supervisor", "GET", path+"/report?pii=show", nil, &rep); code != http.StatusOK || !strings.Contains(rep.Room.Summary, "9845012345") {
			t.Fatalf("supervisor's unmasked report: %d %q", code, rep.Room.Summary)
		}
		r, err := ta.Reports.Builder.Build(t.Context(), report.Request{Kind: report.Daily, Day: time.Now().Add(-time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, in := range r.Incidents {
			found = found || in.Source == "crisis" && in.Subject == "Bandh in Jayanagar" && in.State == "closed"
		}
		if !found {
			t.Fatalf("the room is not an incident of the daily report: %+v", r.Incidents)
		}
	})
}
