package web

import (
	"net/http"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/post"
)

// MaxIntakeBatch bounds the posts of one API intake request.
const MaxIntakeBatch = 1000

// IntakeAPI mounts POST /api/v1/posts, the intake entry point for
// integrations that already hold normalised posts (another force's system,
// a bulk loader). It answers only after the posts are durable.
func (s *Server) IntakeAPI(in *ingest.Intake) {
	s.Route("POST", "/api/v1/posts", auth.PermChannelsManage, OpDoc{
		Summary:     "Submit normalised posts to intake",
		Description: "Body: {\"posts\": [Post…]} (at most 1000). Each post gets a result in order: its id, whether it was a duplicate of one already stored (platform + external_id), or why it was refused. The answer comes once the stored posts are durable.",
		Tags:        []string{"posts"}, Request: intakeRequest{}, Response: intakeResponse{}},
		func(w http.ResponseWriter, r *http.Request) error {
			var req intakeRequest
			if err := DecodeJSON(r, &req); err != nil {
				return err
			}
			if len(req.Posts) == 0 || len(req.Posts) > MaxIntakeBatch {
				return Errorf(http.StatusUnprocessableEntity, "invalid", "posts must hold 1 to %d posts", MaxIntakeBatch)
			}
			for i := range req.Posts {
				// channel_id is refused too: it would let a pushed post steer
				// replies through a real account to a parent of the client's choosing.
				if p := &req.Posts[i]; p.Analysis != nil || p.ID != 0 || p.CaseID != 0 || p.ChannelID != 0 {
					return Errorf(http.StatusUnprocessableEntity, "invalid", "posts[%d]: id, case_id, channel_id and analysis are assigned by the desk", i)
				}
			}
			res, err := in.Submit(r.Context(), req.Posts)
			if err != nil {
				return err
			}
			out := intakeResponse{Results: make([]intakeResult, len(res))}
			for i, rs := range res {
				out.Results[i] = intakeResult{ID: rs.ID, Duplicate: rs.Duplicate}
				if rs.Err != nil {
					out.Results[i].Error = rs.Err.Error()
					out.Refused++
				} else if rs.Duplicate {
					out.Duplicates++
				} else {
					out.Stored++
				}
			}
			return JSON(w, http.StatusOK, out)
		})
}

type intakeRequest struct {
	Posts []post.Post `json:"posts"`
}

type intakeResult struct {
	ID        int64  `json:"id,omitempty"`
	Duplicate bool   `json:"duplicate,omitempty"`
	Error     string `json:"error,omitempty"`
}

type intakeResponse struct {
	Stored     int            `json:"stored"`
	Duplicates int            `json:"duplicates"`
	Refused    int            `json:"refused"`
	Results    []intakeResult `json:"results"`
}
