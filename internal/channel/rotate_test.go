package channel

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/kaval-desk/kaval/internal/channel/chantest"
	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/store"
)

// A connector's rotated refresh token is sealed like any secret, merged
// with the others, and does not bump the version (which would restart the
// connector that just rotated it).
func TestRotateSecrets(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := NewStore(db, testBox(t))
		c, err := s.Create(ctx, Spec{Platform: chantest.Platform, Name: "x desk", Secrets: Secrets{"token": tokenValue, "refresh_token": "rt-1"}})
		if err != nil {
			t.Fatal(err)
		}
		cs := connectorSecrets{st: s, id: c.ID}
		if err := cs.SaveSecrets(ctx, map[string]string{"refresh_token": "rt-2-NEW", "user_token_expires_at": "1787224443"}); err != nil {
			t.Fatal(err)
		}
		got, err := cs.LoadSecrets(ctx)
		if err != nil || got["refresh_token"] != "rt-2-NEW" || got["token"] != tokenValue || got["user_token_expires_at"] != "1787224443" {
			t.Fatalf("loaded %v, %v", Secrets(got), err)
		}
		after, _ := s.Get(ctx, c.ID)
		if after.Version != c.Version {
			t.Fatalf("version %d → %d: the connector would be restarted", c.Version, after.Version)
		}
		if strings.Join(after.SecretKeys, ",") != "refresh_token,token,user_token_expires_at" {
			t.Fatalf("secret keys %v", after.SecretKeys)
		}
		var raw string
		db.Read.QueryRow(`SELECT secrets FROM channels WHERE id = $1`, c.ID).Scan(&raw)
		if strings.Contains(raw, "rt-2-NEW") {
			t.Fatal("rotated token stored in clear")
		}
		if err := s.RotateSecrets(ctx, c.ID+99, map[string]string{"a": "b"}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown channel: %v", err)
		}
		if err := s.RotateSecrets(ctx, c.ID, map[string]string{"bad key!": "b"}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("bad key: %v", err)
		}
	})
}

// rotator is a platform whose connector renews its token on Check, as an
// OAuth 2.0 connector does when its access token has expired.
type rotator struct{ deps connector.Deps }

func (r *rotator) Run(ctx context.Context) error { <-ctx.Done(); return nil }
func (r *rotator) Webhook() http.Handler         { return nil }
func (r *rotator) Health() connector.Health      { return connector.Health{} }
func (r *rotator) Check(ctx context.Context) error {
	if r.deps.Secrets == nil {
		return errors.New("no secret store: the rotated token would be lost")
	}
	return r.deps.Secrets.SaveSecrets(ctx, map[string]string{"refresh_token": "rotated-by-check"})
}
func (r *rotator) Reply(context.Context, connector.Target, connector.Message) (connector.Result, error) {
	return connector.Result{}, nil
}
func (r *rotator) Publish(context.Context, connector.Message) (connector.Result, error) {
	return connector.Result{}, nil
}

var registerRotator sync.Once

// Connectors the manager builds for stored channels, for running and for
// "test connection", can store what they rotate.
func TestManagerGivesConnectorsTheirSecretStore(t *testing.T) {
	registerRotator.Do(func() {
		connector.Register("rotator", func(ch connector.Channel, deps connector.Deps) (connector.Connector, error) {
			return &rotator{deps: deps}, nil
		})
	})
	db := store.NewTestSQLite(t)
	ctx := context.Background()
	s := NewStore(db, testBox(t))
	c, err := s.Create(ctx, Spec{Platform: "rotator", Name: "r", Secrets: Secrets{"refresh_token": "old"}, Paused: true})
	if err != nil {
		t.Fatal(err)
	}
	m := NewManager(s, Options{Log: slog.New(slog.DiscardHandler)})
	if err := m.Check(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	open, _ := s.Open(ctx, c.ID)
	if open.Secrets["refresh_token"] != "rotated-by-check" {
		t.Fatalf("stored %v", Secrets(open.Secrets))
	}
	built, err := m.build(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if built.(*rotator).deps.Secrets == nil {
		t.Fatal("running connector has no secret store")
	}
}
