package app

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

func publicGet(t *testing.T, ta *testApp, path string) (int, string) {
	t.Helper()
	res, err := http.Get(ta.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestStatusPageNeedsTheCode: over HTTP, the public status page of a
// private WhatsApp conversation's case answers its reference only with the
// case's status code, exactly as for a reference that does not exist; with
// the code it shows the progress, in Kannada too, and no personal data.
func TestStatusPageNeedsTheCode(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ta := newTestApp(t, db)
		ctx := context.Background()
		res, err := ta.Intake.Submit(ctx, []post.Post{{Platform: post.WhatsApp, ExternalID: "wamid.status-1", Kind: post.KindDirectMessage, Private: true,
			ThreadID: "106540352242922:919845012345", Author: post.Author{ExternalID: "919845012345", Name: "Suresh Gowda"},
			Text: "my scooter KA05MN4321 was stolen near Jayanagar 4th block, call 9845012345", CreatedAt: time.Now()}})
		if err != nil || res[0].Err != nil {
			t.Fatal(err, res)
		}
		if err := ta.Pipeline.Process(ctx, []int64{res[0].ID}); err != nil {
			t.Fatal(err)
		}
		caseID, err := ta.caseOfPost(ctx, res[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		c, err := ta.Desk.GetCase(ctx, caseID, desk.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		code := desk.FormatStatusCode(c.StatusCode)

		wrong := c.StatusCode[:9] + "F"
		if wrong == c.StatusCode {
			wrong = c.StatusCode[:9] + "0"
		}
		for _, q := range []string{"?ref=" + c.Ref, "?ref=" + c.Ref + "&code=00000-00000", "/" + c.Ref, "/" + c.Ref + "?code=" + wrong} {
			st, body := publicGet(t, ta, "/report/status"+q)
			_, unknown := publicGet(t, ta, "/report/status"+strings.ReplaceAll(q, c.Ref, "BCP-1999-000001"))
			if st != 404 || strings.Contains(body, "Jayanagar") || strings.Contains(body, "Received") ||
				strings.ReplaceAll(body, c.Ref, "BCP-1999-000001") != unknown {
				t.Fatalf("%s: %d, not answered like an unknown reference:\n%s", q, st, body)
			}
		}
		st, body := publicGet(t, ta, "/report/status?ref="+c.Ref+"&code="+code)
		if st != 200 || !strings.Contains(body, c.Ref) || !strings.Contains(body, "Received") || !strings.Contains(body, "Jayanagar") {
			t.Fatalf("with the code: %d\n%s", st, body)
		}
		for _, private := range []string{"Suresh", "9845012345", "KA05MN4321", "scooter"} {
			if strings.Contains(body, private) {
				t.Fatalf("personal data %q on the public page", private)
			}
		}
		st, body = publicGet(t, ta, "/report/status/"+c.Ref+"?code="+strings.ToLower(c.StatusCode)+"&lang=kn")
		main := body[strings.Index(body, "<main>"):]
		if st != 200 || !strings.Contains(main, "ಸ್ವೀಕರಿಸಲಾಗಿದೆ") || !strings.Contains(main, "ಜಯನಗರ") {
			t.Fatalf("Kannada: %d\n%s", st, body)
		}
		for _, english := range []string{"Received", "Status:", "Sent to", "Jayanagar"} {
			if strings.Contains(main, english) {
				t.Errorf("the Kannada status page shows %q", english)
			}
		}
	})
}

// /metrics is not on the listener citizens reach; the operator's
// metrics handler serves it.
func TestMetricsNotOnPublicListener(t *testing.T) {
	ta := newTestApp(t, store.NewTestSQLite(t))
	if st, body := publicGet(t, ta, "/metrics"); st != 404 || strings.Contains(body, "kaval_http_requests_total") {
		t.Fatalf("public /metrics: %d", st)
	}
	ms := httptest.NewServer(ta.MetricsHandler())
	defer ms.Close()
	res, err := http.Get(ms.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), "kaval_http_requests_total") {
		t.Fatalf("metrics handler: %d\n%.400s", res.StatusCode, b)
	}
}
