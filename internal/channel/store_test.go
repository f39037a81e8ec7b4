package channel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/channel/chantest"
	"github.com/kaval-desk/kaval/internal/secretbox"
	"github.com/kaval-desk/kaval/internal/store"
)

func init() { chantest.Register() }

func testBox(t testing.TB) *secretbox.Box {
	t.Helper()
	k, err := secretbox.NewRandomKey()
	if err != nil {
		t.Fatal(err)
	}
	b, err := secretbox.New(k)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const tokenValue = "tok-SUPER-SECRET-4242"

func TestStoreLifecycle(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := NewStore(db, testBox(t))
		c, err := s.Create(ctx, Spec{Platform: chantest.Platform, Name: "  BCP desk ", Config: map[string]string{"base_url": "http://127.0.0.1:1"},
			Secrets: Secrets{"token": tokenValue, "webhook_secret": "whsec-XYZ"}})
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != "BCP desk" || c.Status != Active || c.Version != 1 || fmt.Sprint(c.SecretKeys) != "[token webhook_secret]" {
			t.Fatalf("created: %+v", c)
		}
		if _, err := s.Create(ctx, Spec{Platform: chantest.Platform, Name: "BCP desk"}); !errors.Is(err, ErrConflict) {
			t.Fatalf("duplicate name: %v", err)
		}
		// The stored column is ciphertext.
		var raw string
		db.Read.QueryRow(`SELECT secrets FROM channels WHERE id = $1`, c.ID).Scan(&raw)
		if strings.Contains(raw, tokenValue) || !strings.HasPrefix(raw, "sb1:") {
			t.Fatalf("secrets column: %s", raw)
		}
		open, err := s.Open(ctx, c.ID)
		if err != nil || open.Secrets["token"] != tokenValue || open.Config["base_url"] != "http://127.0.0.1:1" {
			t.Fatalf("open: %v %v", open.Config, err)
		}

		// Update one secret, remove another, change config: version bumps.
		name := "BCP main"
		u, err := s.Update(ctx, c.ID, Patch{Name: &name, Config: map[string]string{"base_url": "http://127.0.0.1:2"},
			SetSecrets: Secrets{"token": "tok-2"}, RemoveSecrets: []string{"webhook_secret"}})
		if err != nil {
			t.Fatal(err)
		}
		if u.Version != 2 || u.Name != "BCP main" || fmt.Sprint(u.SecretKeys) != "[token]" {
			t.Fatalf("updated: %+v", u)
		}
		open, _ = s.Open(ctx, c.ID)
		if open.Secrets["token"] != "tok-2" || len(open.Secrets) != 1 || open.Config["base_url"] != "http://127.0.0.1:2" {
			t.Fatalf("after update: %v", open.Config)
		}
		// A config-only update keeps the secrets.
		if _, err := s.Update(ctx, c.ID, Patch{Config: map[string]string{"base_url": "http://x"}}); err != nil {
			t.Fatal(err)
		}
		if open, _ = s.Open(ctx, c.ID); open.Secrets["token"] != "tok-2" {
			t.Fatal("config update lost secrets")
		}

		if err := s.Pause(ctx, c.ID, "maintenance"); err != nil {
			t.Fatal(err)
		}
		if g, _ := s.Get(ctx, c.ID); g.Status != Paused || g.StatusReason != "maintenance" {
			t.Fatalf("paused: %+v", g)
		}
		s.MarkError(ctx, c.ID, "token expired")
		s.Resume(ctx, c.ID)
		if g, _ := s.Get(ctx, c.ID); g.Status != Active || g.StatusReason != "" {
			t.Fatalf("resumed: %+v", g)
		}
		if err := s.SaveHealth(ctx, c.ID, map[string]any{"connected": true}); err != nil {
			t.Fatal(err)
		}
		list, err := s.List(ctx)
		if err != nil || len(list) != 1 || string(list[0].Health) != `{"connected":true}` {
			t.Fatalf("list: %+v %v", list, err)
		}
		if err := s.Delete(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, c.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
		if err := s.Pause(ctx, c.ID, ""); !errors.Is(err, ErrNotFound) {
			t.Fatalf("pause deleted: %v", err)
		}
	})
}

func TestStoreRejectsBadInput(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := NewStore(db, testBox(t))
		bad := []Spec{
			{Platform: "myspace", Name: "a"},
			{Platform: chantest.Platform, Name: ""},
			{Platform: chantest.Platform, Name: strings.Repeat("n", 101)},
			{Platform: chantest.Platform, Name: "a", Config: map[string]string{"bad key!": "v"}},
			{Platform: chantest.Platform, Name: "a", Config: map[string]string{"k": strings.Repeat("v", MaxValueLen+1)}},
			{Platform: chantest.Platform, Name: "a", Secrets: Secrets{"k": "\xff\xfe"}},
		}
		for _, spec := range bad {
			if _, err := s.Create(ctx, spec); err == nil {
				t.Errorf("accepted %q", spec.Name)
			}
		}
		list, _ := s.List(ctx)
		if len(list) != 0 {
			t.Fatalf("half-stored: %d rows", len(list))
		}
		// Without a key, secrets are refused, nothing stored.
		nokey := NewStore(db, nil)
		if _, err := nokey.Create(ctx, Spec{Platform: chantest.Platform, Name: "a", Secrets: Secrets{"token": "x"}}); !errors.Is(err, secretbox.ErrNoKey) {
			t.Fatalf("no key: %v", err)
		}
		if _, err := nokey.Create(ctx, Spec{Platform: chantest.Platform, Name: "rss-like"}); err != nil {
			t.Fatalf("no secrets, no key: %v", err)
		}
	})
}

func TestCheckKeyAndRekey(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		k1, _ := secretbox.NewRandomKey()
		k2, _ := secretbox.NewRandomKey()
		b1, _ := secretbox.New(k1)
		s1 := NewStore(db, b1)
		if err := NewStore(db, nil).CheckKey(ctx); err != nil {
			t.Fatalf("no secrets yet: %v", err)
		}
		c, err := s1.Create(ctx, Spec{Platform: chantest.Platform, Name: "a", Secrets: Secrets{"token": tokenValue}})
		if err != nil {
			t.Fatal(err)
		}
		if err := NewStore(db, nil).CheckKey(ctx); !errors.Is(err, secretbox.ErrNoKey) {
			t.Fatalf("missing key must refuse: %v", err)
		}
		b2only, _ := secretbox.New(k2)
		if err := NewStore(db, b2only).CheckKey(ctx); !errors.Is(err, secretbox.ErrUnknownKey) {
			t.Fatalf("wrong key must refuse: %v", err)
		}
		// Rotate: k2 primary, k1 old; rekey; then k2 alone opens.
		b21, _ := secretbox.New(k2, k1)
		n, err := NewStore(db, b21).Rekey(ctx)
		if err != nil || n != 1 {
			t.Fatalf("rekey: %d %v", n, err)
		}
		s2 := NewStore(db, b2only)
		if err := s2.CheckKey(ctx); err != nil {
			t.Fatalf("after rekey: %v", err)
		}
		if ch, err := s2.Open(ctx, c.ID); err != nil || ch.Secrets["token"] != tokenValue {
			t.Fatalf("open after rekey: %v", err)
		}
		// A sealed value copied onto another channel's row does not open.
		c2, _ := s2.Create(ctx, Spec{Platform: chantest.Platform, Name: "b", Secrets: Secrets{"token": "other"}})
		db.Write.Exec(`UPDATE channels SET secrets = (SELECT secrets FROM channels WHERE id = $1) WHERE id = $2`, c.ID, c2.ID)
		if _, err := s2.Open(ctx, c2.ID); !errors.Is(err, secretbox.ErrCorrupt) {
			t.Fatalf("swapped ciphertext opened: %v", err)
		}
	})
}

func TestSecretsNeverPrinted(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := NewStore(db, testBox(t))
		spec := Spec{Platform: chantest.Platform, Name: "a", Secrets: Secrets{"token": tokenValue}}
		c, err := s.Create(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		log := slog.New(slog.NewJSONHandler(&buf, nil))
		log.Info("created", "spec", spec, "secrets", spec.Secrets, "channel", c)
		js, _ := json.Marshal(c)
		specJS, _ := json.Marshal(spec)
		all := buf.String() + string(js) + string(specJS) + fmt.Sprintf("%v %+v %#v %s %q", spec, spec, spec, spec.Secrets, spec.Secrets)
		if strings.Contains(all, tokenValue) {
			t.Fatalf("secret printed: %s", all)
		}
		if !strings.Contains(string(js), `"secret_keys":["token"]`) {
			t.Fatalf("view should list secret names: %s", js)
		}
	})
}
