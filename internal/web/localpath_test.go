package web_test

import (
	"net/url"
	"testing"

	"github.com/kaval-desk/kaval/internal/web"
)

// FuzzLocalPath: whatever ?next= holds, a path LocalPath accepts stays on
// the desk's own host when a browser resolves it (no open redirect).
func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/desk/inbox?x=1", "//evil.example", "/\\evil.example", "/%2F%2Fevil", "https://evil.example/",
		"/\t/evil", "javascript:alert(1)", "/desk/../..//evil", "/@evil.example", "/desk#//evil"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://desk.example/desk/login")
	f.Fuzz(func(t *testing.T, p string) {
		if !web.LocalPath(p) {
			return
		}
		u, err := url.Parse(p)
		if err != nil {
			t.Fatalf("accepted %q that does not parse: %v", p, err)
		}
		if got := base.ResolveReference(u); got.Host != "desk.example" || got.Scheme != "https" {
			t.Fatalf("accepted %q resolves to %s", p, got)
		}
	})
}

func TestLocalPath(t *testing.T) {
	for p, want := range map[string]bool{"/desk/inbox?status=new": true, "/desk/": true, "//evil.example": false, "/\\evil": false,
		"https://evil.example": false, "desk/inbox": false, "": false, "/desk\r\nx": false, "javascript:alert(1)": false} {
		if got := web.LocalPath(p); got != want {
			t.Errorf("LocalPath(%q) = %v, want %v", p, got, want)
		}
	}
}
