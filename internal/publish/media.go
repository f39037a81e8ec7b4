package publish

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // decoders for DecodeConfig
	_ "image/png"
	"net/http"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

// Limits on images. JPEG and PNG are what every platform here takes
// (Instagram takes JPEG only: the compose page says so); 5 MB is X's and
// Instagram's limit for a photo.
const (
	MaxImageBytes = 5 << 20
	MaxImageSide  = 8192
	MaxImages     = 4 // X's limit per post; the other platforms take as many or more
	MaxAlt        = 1000
)

// Media is an image stored by the desk.
type Media struct {
	ID          int64             `json:"id"`
	Position    int               `json:"position"`
	SHA256      string            `json:"sha256"`
	ContentType string            `json:"content_type"`
	Size        int               `json:"size"`
	Width       int               `json:"width"`
	Height      int               `json:"height"`
	Alt         map[string]string `json:"alt"` // lang → description for people who cannot see it
	CreatedAt   time.Time         `json:"created_at"`
}

// ext is the file name ending a type is served with.
func ext(ct string) string {
	if ct == "image/png" {
		return ".png"
	}
	return ".jpg"
}

// FileName is the public name the platforms download the image by.
func (m Media) FileName() string { return m.SHA256 + ext(m.ContentType) }

// AddMedia stores an image on a draft. The type is read from the bytes
// (never from the name or the header a browser sent), the image's header
// must decode, and alt text is required: an advisory in an image is
// unreadable to a blind citizen without it.
func (s *Service) AddMedia(ctx context.Context, p *auth.Principal, pubID int64, data []byte, alt map[string]string) (Media, error) {
	if len(data) == 0 {
		return Media{}, invalid("file", "choose an image")
	}
	if len(data) > MaxImageBytes {
		return Media{}, invalid("file", "the image is %d bytes; at most %d (5 MB)", len(data), MaxImageBytes)
	}
	ct := http.DetectContentType(data)
	if ct != "image/jpeg" && ct != "image/png" {
		return Media{}, invalid("file", "the file is %s: only JPEG and PNG images are taken", ct)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || "image/"+strings.Replace(format, "jpg", "jpeg", 1) != ct {
		return Media{}, invalid("file", "the image cannot be read")
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxImageSide || cfg.Height > MaxImageSide {
		return Media{}, invalid("file", "the image is %d×%d pixels; each side must be 1–%d", cfg.Width, cfg.Height, MaxImageSide)
	}
	clean := map[string]string{}
	for _, lang := range Langs {
		a := clip(strings.TrimSpace(textnorm.Clean(alt[lang])), MaxAlt)
		if a != "" {
			clean[lang] = a
		}
	}
	if len(clean) == 0 {
		return Media{}, invalid("alt", "describe the image (alt text) in at least one language, for citizens who cannot see it")
	}
	sum := sha256.Sum256(data)
	m := Media{SHA256: hex.EncodeToString(sum[:]), ContentType: ct, Size: len(data), Width: cfg.Width, Height: cfg.Height, Alt: clean, CreatedAt: s.now()}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := s.lock(ctx, tx, pubID)
		if err != nil {
			return err
		}
		if cur.State != StateDraft && cur.State != Rejected && cur.State != InReview {
			return conflict("state", "publication %d is %s: images can be added to a draft only", pubID, cur.State)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(position), 0) FROM publication_media WHERE publication_id = $1`, pubID).Scan(&n, &m.Position); err != nil {
			return err
		}
		if n >= MaxImages {
			return invalid("file", "a publication carries at most %d images", MaxImages)
		}
		m.Position++
		err = tx.QueryRowContext(ctx, `INSERT INTO publication_media (publication_id, position, sha256, content_type, size, width, height, alt_en, alt_kn, alt_hi, data, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
			pubID, m.Position, m.SHA256, ct, len(data), cfg.Width, cfg.Height, clean["en"], clean["kn"], clean["hi"], data, p.UserID, store.Millis(m.CreatedAt)).Scan(&m.ID)
		if err != nil {
			return err
		}
		// New media change what approvers read: back to draft.
		if _, err := tx.ExecContext(ctx, `UPDATE publications SET state = CASE WHEN state = 'in_review' THEN 'draft' ELSE state END, updated_at = $2, version = version + 1 WHERE id = $1`,
			pubID, store.Millis(s.now())); err != nil {
			return err
		}
		var alts []string
		for _, l := range Langs {
			if a := m.Alt[l]; a != "" {
				alts = append(alts, a)
			}
		}
		return s.event(ctx, tx, p, pubID, "media_added", cur.Round, strings.Join(alts, " · "), map[string]any{"media": m.ID, "sha256": m.SHA256, "bytes": m.Size})
	})
	if err != nil {
		return Media{}, wrap("add the image", err)
	}
	return m, nil
}

// RemoveMedia takes an image off a draft.
func (s *Service) RemoveMedia(ctx context.Context, p *auth.Principal, pubID, mediaID int64) error {
	return wrap("remove the image", s.db.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := s.lock(ctx, tx, pubID)
		if err != nil {
			return err
		}
		if cur.State != StateDraft && cur.State != Rejected && cur.State != InReview {
			return conflict("state", "publication %d is %s: images can be removed from a draft only", pubID, cur.State)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM publication_media WHERE id = $1 AND publication_id = $2`, mediaID, pubID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("image %d: %w", mediaID, ErrNotFound)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE publications SET state = CASE WHEN state = 'in_review' THEN 'draft' ELSE state END, updated_at = $2, version = version + 1 WHERE id = $1`,
			pubID, store.Millis(s.now())); err != nil {
			return err
		}
		return s.event(ctx, tx, p, pubID, "edited", cur.Round, "image removed", map[string]any{"media": mediaID})
	}))
}

func (s *Service) mediaURLs(ctx context.Context, tx *sql.Tx, pubID int64) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT sha256, content_type FROM publication_media WHERE publication_id = $1 ORDER BY position`, pubID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var sha, ct string
		if err := rows.Scan(&sha, &ct); err != nil {
			return nil, err
		}
		out = append(out, s.publicBase()+"/media/"+sha+ext(ct))
	}
	return out, rows.Err()
}

// MediaFile returns an image for the staff preview (any state).
func (s *Service) MediaFile(ctx context.Context, pubID, mediaID int64) ([]byte, string, error) {
	var data []byte
	var ct string
	err := s.db.Read.QueryRowContext(ctx, `SELECT data, content_type FROM publication_media WHERE id = $1 AND publication_id = $2`, mediaID, pubID).Scan(&data, &ct)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", fmt.Errorf("image %d: %w", mediaID, ErrNotFound)
	}
	return data, ct, err
}

// PublicMedia returns an image by its public file name, only once a
// publication carrying it was approved: the platforms download it from
// there, and nobody outside reads a draft's images.
func (s *Service) PublicMedia(ctx context.Context, name string) ([]byte, string, error) {
	sha, e, ok := strings.Cut(name, ".")
	if !ok || len(sha) != 64 || strings.Trim(sha, "0123456789abcdef") != "" || (e != "jpg" && e != "png") {
		return nil, "", fmt.Errorf("image: %w", ErrNotFound)
	}
	var data []byte
	var ct string
	err := s.db.Read.QueryRowContext(ctx, `SELECT m.data, m.content_type FROM publication_media m JOIN publications p ON p.id = m.publication_id
		WHERE m.sha256 = $1 AND p.state = 'approved' ORDER BY m.id LIMIT 1`, sha).Scan(&data, &ct)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && ext(ct) != "."+e) {
		return nil, "", fmt.Errorf("image: %w", ErrNotFound)
	}
	return data, ct, err
}
