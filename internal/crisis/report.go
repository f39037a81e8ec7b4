package crisis

import (
	"context"

	"github.com/kaval-desk/kaval/internal/publish"
)

// Report is a room as it is kept: what it was about, what it held, what
// was done and the written summary. Free text in it is citizens' and
// staff's words: callers pass it through internal/privacy (redacted by
// default) before anyone reads it.
type Report struct {
	Room       Room                  `json:"room"`
	Posts      int                   `json:"posts"`
	Cases      int                   `json:"cases"`
	Clusters   []Cluster             `json:"clusters"`
	Tasks      []Task                `json:"tasks"`
	Rebuttals  []Rebuttal            `json:"rebuttals"`
	Advisories []publish.Publication `json:"advisories"`
	Acks       int                   `json:"surge_acknowledgements"`
	Timeline   []Event               `json:"timeline"` // oldest first
}

// Report assembles room id's report (open rooms too: a report so far).
func (s *Service) Report(ctx context.Context, id int64) (Report, error) {
	r, err := s.Get(ctx, id)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Room: r}
	c, err := s.Contents(ctx, r, 1)
	if err != nil {
		return rep, err
	}
	rep.Posts, rep.Clusters = c.Total, c.Clusters
	// Counted, not len(c.Cases): the contents list the newest 200 cases.
	if err := s.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM crisis_items WHERE room_id = $1 AND kind = 'case' AND removed = 0", id).Scan(&rep.Cases); err != nil {
		return rep, err
	}
	if rep.Tasks, err = s.Tasks(ctx, id); err != nil {
		return rep, err
	}
	if rep.Rebuttals, err = s.Rebuttals(ctx, id); err != nil {
		return rep, err
	}
	if rep.Advisories, err = s.Advisories(ctx, id); err != nil {
		return rep, err
	}
	if err := s.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM crisis_answered WHERE room_id = $1 AND purpose = 'ack' AND outbox_id IS NOT NULL", id).Scan(&rep.Acks); err != nil {
		return rep, err
	}
	ev, err := s.Timeline(ctx, id, 1000)
	for i, j := 0, len(ev)-1; i < j; i, j = i+1, j-1 {
		ev[i], ev[j] = ev[j], ev[i]
	}
	rep.Timeline = ev
	return rep, err
}
