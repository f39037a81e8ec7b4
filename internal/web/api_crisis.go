package web

import (
	"net/http"

	"github.com/kaval-desk/kaval/internal/crisis"
)

// CrisisAPI mounts the crisis rooms (internal/crisis), one file per
// action (api_crisis_*.go). Reading a room needs posts:read; opening,
// running and closing one incidents:manage; a rebuttal's approval
// replies:approve (never one's own request); surge mode crisis:surge.
// Citizens' personal data is masked in every answer (internal/privacy).
func (s *Server) CrisisAPI(c *crisis.Service) {
	h := &crisisAPI{c: c}
	h.rooms(s)
	h.open(s)
	h.items(s)
	h.tasks(s)
	h.advisory(s)
	h.rebuttals(s)
	h.surge(s)
	h.close(s)
	h.report(s)
}

type crisisAPI struct{ c *crisis.Service }

var (
	crisisTags = []string{"crisis"}
	crisisID   = Param{Name: "id", In: "path", Type: "integer", Required: true}
)

// CrisisRoom is a room with what it holds, as the API shows it.
type CrisisRoom struct {
	crisis.Room
	Contents   crisis.Contents   `json:"contents"`
	Tasks      []crisis.Task     `json:"tasks"`
	Rebuttals  []crisis.Rebuttal `json:"rebuttals"`
	Advisories []int64           `json:"advisory_ids"` // publications: GET /api/v1/publications/{id}
	Timeline   []crisis.Event    `json:"timeline"`
}

// room reads room id in full, masked for the caller.
func (h *crisisAPI) room(r *http.Request, id int64) (CrisisRoom, error) {
	ctx := r.Context()
	rm, err := h.c.Get(ctx, id)
	if err != nil {
		return CrisisRoom{}, err
	}
	out := CrisisRoom{Room: rm}
	if out.Contents, err = h.c.Contents(ctx, rm, 0); err != nil {
		return out, err
	}
	out.Contents.Mask(viewerOf(r))
	if out.Tasks, err = h.c.Tasks(ctx, id); err != nil {
		return out, err
	}
	if out.Rebuttals, err = h.c.Rebuttals(ctx, id); err != nil {
		return out, err
	}
	ads, err := h.c.Advisories(ctx, id)
	if err != nil {
		return out, err
	}
	out.Advisories = []int64{}
	for _, a := range ads {
		out.Advisories = append(out.Advisories, a.ID)
	}
	if out.Timeline, err = h.c.Timeline(ctx, id, 200); err != nil {
		return out, err
	}
	crisis.MaskEvents(viewerOf(r), out.Timeline)
	return out, nil
}

// answerRoom writes room id as it now is.
func (h *crisisAPI) answerRoom(w http.ResponseWriter, r *http.Request, status int, id int64) error {
	out, err := h.room(r, id)
	if err != nil {
		return err
	}
	return JSON(w, status, out)
}
