package mastofake_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/kaval-desk/kaval/internal/connector/mastodon"
	"github.com/kaval-desk/kaval/internal/connector/mastodon/mastofake"
)

func get(t *testing.T, s *mastofake.Server, path string) (*http.Response, []mastodon.Notification) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL()+path, nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ns []mastodon.Notification
	json.NewDecoder(resp.Body).Decode(&ns)
	return resp, ns
}

func TestIDPaging(t *testing.T) {
	s := mastofake.New("tok")
	defer s.Close()
	jo := s.Account("jo", "m.example")
	var ids []string
	for range 10 {
		id, _ := s.AddMention(jo, "<p>x</p>", mastofake.MentionOpts{})
		ids = append(ids, id)
	}
	// since_id gives the newest page; min_id the oldest page above it.
	_, ns := get(t, s, "/api/v1/notifications?limit=3&since_id="+ids[2])
	if len(ns) != 3 || ns[0].ID != ids[9] || ns[2].ID != ids[7] {
		t.Errorf("since_id page %v", ns)
	}
	resp, ns := get(t, s, "/api/v1/notifications?limit=3&min_id="+ids[2])
	if len(ns) != 3 || ns[0].ID != ids[5] || ns[2].ID != ids[3] {
		t.Errorf("min_id page %v", ns)
	}
	if resp.Header.Get("Link") == "" {
		t.Error("no Link header")
	}
	_, ns = get(t, s, "/api/v1/notifications?max_id="+ids[2])
	if len(ns) != 2 || ns[0].ID != ids[1] {
		t.Errorf("max_id page %v", ns)
	}
	if resp, _ := get(t, s, "/api/v1/streaming/hashtag"); resp.StatusCode != 400 {
		t.Errorf("hashtag stream without tag: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, s.URL()+"/api/v1/notifications", nil)
	if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != 401 {
		t.Errorf("no token: %d", resp.StatusCode)
	}
}
