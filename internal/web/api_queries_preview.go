package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/query"
)

type parseRequest struct {
	Query string `json:"query"`
}

// parseResponse answers an editor: the canonical form and the reviewer's
// concerns when the query is valid, else where it went wrong.
type parseResponse struct {
	OK        bool         `json:"ok"`
	Canonical string       `json:"canonical,omitempty"`
	Concerns  []string     `json:"concerns,omitempty"`
	Error     *query.Error `json:"error,omitempty"`
}

// checkQuery parses q for the editor and the preview.
func checkQuery(q string) (*query.Query, parseResponse, error) {
	parsed, err := query.Parse(q)
	var pe *query.Error
	switch {
	case errors.As(err, &pe):
		return nil, parseResponse{Error: pe}, nil
	case err != nil:
		return nil, parseResponse{}, err
	}
	return parsed, parseResponse{OK: true, Canonical: parsed.String(), Concerns: query.Concerns(parsed)}, nil
}

func (h *queryHandlers) parse(w http.ResponseWriter, r *http.Request) error {
	var req parseRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	_, resp, err := checkQuery(req.Query)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, resp)
}

type previewResponse struct {
	parseResponse
	Days int `json:"days"`
	// Count is the number of posts matched in the window; Exact is false
	// when the scan stopped at its bound (Count is then a lower bound).
	Count int         `json:"count"`
	Exact bool        `json:"exact"`
	Posts []post.Post `json:"posts"`
}

// previewScan bounds the rows a preview reads after SQL narrowed them.
const previewScan = 50000

// Preview reports what a query would have matched over the last days.
func (h *queryHandlers) preview(w http.ResponseWriter, r *http.Request) error {
	days, err := QueryInt(r, "days", 7, 1, 30)
	if err != nil {
		return err
	}
	limit, err := QueryInt(r, "limit", 20, 0, 100)
	if err != nil {
		return err
	}
	out, err := h.previewOf(r, r.URL.Query().Get("q"), int(days), int(limit))
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, out)
}

// previewOf is the preview the API and the query pages show.
func (h *queryHandlers) previewOf(r *http.Request, q string, days, limit int) (previewResponse, error) {
	parsed, check, err := checkQuery(q)
	out := previewResponse{parseResponse: check, Days: days, Posts: []post.Post{}}
	if err != nil || parsed == nil {
		return out, err
	}
	ctx := r.Context()
	until := time.Now()
	since := until.Add(-time.Duration(days) * 24 * time.Hour)
	if out.Count, out.Exact, err = query.Count(ctx, h.s.deps.DB, parsed, since, until, previewScan); err != nil {
		return out, err
	}
	if limit > 0 && Principal(r).Can(auth.PermPostsRead) {
		page, err := query.History(ctx, h.s.deps.DB, parsed, query.HistoryFilter{Since: since, Until: until, Limit: limit, MaxScan: previewScan})
		if err != nil {
			return out, err
		}
		viewerOf(r).Posts(page.Posts)
		out.Posts = page.Posts
	}
	return out, nil
}
