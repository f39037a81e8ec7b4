package rssfake_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector/rss/rssfake"
)

func TestLastModifiedOnly(t *testing.T) {
	s := rssfake.New()
	defer s.Close()
	s.AddItem(rssfake.Item{GUID: "a", Title: "a", Published: time.Now()})
	resp, err := http.Get(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	req, _ := http.NewRequest(http.MethodGet, s.URL(), nil)
	req.Header.Set("If-Modified-Since", resp.Header.Get("Last-Modified"))
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != 304 {
		t.Errorf("If-Modified-Since alone: %d", resp2.StatusCode)
	}
	s.AddItem(rssfake.Item{GUID: "b", Title: "b"})
	resp3, _ := http.DefaultClient.Do(req)
	resp3.Body.Close()
	if resp3.StatusCode != 200 {
		t.Errorf("after a change: %d", resp3.StatusCode)
	}
}
