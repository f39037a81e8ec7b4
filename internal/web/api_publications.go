package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/publish"
)

// PublicationsAPI mounts publishing (issue 15): compose once for many
// accounts, approve by one or two people other than the authors, plan.
// The desk's pages call the same service, so both take the same rules.
// It also holds the single-account route (PublishAPI) and the outbox's
// approval of its posts to the approval rules (publish.Service.Gate).
func (s *Server) PublicationsAPI(ps *publish.Service) {
	h := &pubHandlers{s: s, ps: ps}
	s.pubGate = ps.Gate
	tags := []string{"publishing"}
	id := Param{Name: "id", In: "path", Type: "integer", Required: true, Description: "the publication"}
	s.LimitBody("/api/v1/publications/", "/media", publish.MaxImageBytes+64<<10)
	s.Route("GET", "/api/v1/publications", auth.PermPublish, OpDoc{Summary: "List publications", Tags: tags,
		Params: []Param{{Name: "state", Description: "comma-separated: draft, in_review, approved, rejected, cancelled"},
			{Name: "kind", Description: "post, advisory or emergency"}, {Name: "campaign", Type: "integer"},
			{Name: "from", Description: "RFC 3339: publications going out at or after (the calendar's window)"},
			{Name: "to", Description: "RFC 3339: … and before"},
			{Name: "after_sign_due", Type: "boolean", Description: "only emergency advisories still owed a second signature"},
			{Name: "before", Type: "integer", Description: "publications with a smaller id (next page)"}, {Name: "limit", Type: "integer", Description: "1–500, default 50"}},
		Response: pubPage{}}, h.list)
	s.Route("POST", "/api/v1/publications", auth.PermPublish, OpDoc{Summary: "Compose a publication (a draft)", Tags: tags,
		Description: "Words in en, kn and hi (texts), and a version per account and language (versions; an empty text takes the words in its language). " +
			"Saved as a draft whatever the platforms say; GET …/{id} lists the versions a platform would refuse (problems), and submit refuses them.",
		Request: pubRequest{}, Response: pubView{}, Status: http.StatusCreated}, h.create)
	s.Route("POST", "/api/v1/publications/check", auth.PermPublish, OpDoc{Summary: "Would an account's platform take this text (live limits)?", Tags: tags,
		Description: "The account's own rules (connector.Validator: X's weighted characters, Bluesky's graphemes, Telegram's UTF-16 units…), without any network call.",
		Request:     checkRequest{}, Response: publish.Check{}}, h.check)
	s.Route("GET", "/api/v1/publications/{id}", auth.PermPublish, OpDoc{Summary: "Get a publication with its versions, images, approvals, outbox states and problems", Tags: tags,
		Params: []Param{id}, Response: pubView{}}, h.get)
	s.Route("PUT", "/api/v1/publications/{id}", auth.PermPublish, OpDoc{Summary: "Edit a draft, a rejected or an in-review publication", Tags: tags,
		Description: "An in-review publication goes back to draft: approvals of earlier words never count. version is the one read (409 when it changed).",
		Params:      []Param{id}, Request: pubRequest{}, Response: pubView{}}, h.update)
	s.Route("GET", "/api/v1/publications/{id}/results", auth.PermPublish, OpDoc{Summary: "Engagement on each platform (likes, reposts, replies, quotes, reach, impressions)", Tags: tags,
		Description: "As last read from each platform (every 15 minutes for 30 days after sending). -1 is a count the platform does not offer.",
		Params:      []Param{id}, Response: publish.Results{}}, h.results)
	s.Route("GET", "/api/v1/publications/{id}/history", auth.PermPublish, OpDoc{Summary: "A publication's full history", Tags: tags,
		Params: []Param{id}, Response: []publish.Event{}}, h.history)
	s.Route("POST", "/api/v1/publications/{id}/submit", auth.PermPublish, OpDoc{Summary: "Submit for approval", Tags: tags,
		Description: "Every version must pass its platform's rules. The approvals needed (1 or 2) are fixed now from the rules of its accounts and kind (GET /api/v1/publish/policies).",
		Params:      []Param{id}, Response: pubView{}}, h.submit)
	s.Route("POST", "/api/v1/publications/{id}/approve", auth.PermRepliesApprove, OpDoc{Summary: "Approve the next level (never one's own or one changed)", Tags: tags,
		Description: "The last level releases every version to the outbox (at its scheduled time). An emergency advisory is released on its first approval and owes a second approver's signature after the fact (…/after-sign).",
		Params:      []Param{id}, Request: noteRequest{}, Response: pubView{}}, h.decide(func(ctx context.Context, p *auth.Principal, id int64, n string) (publish.Publication, error) {
		return ps.Approve(ctx, p, id, n)
	}))
	s.Route("POST", "/api/v1/publications/{id}/reject", auth.PermRepliesApprove, OpDoc{Summary: "Reject with a reason (back to the authors)", Tags: tags,
		Params: []Param{id}, Request: noteRequest{}, Response: pubView{}}, h.decide(ps.Reject))
	s.Route("POST", "/api/v1/publications/{id}/after-sign", auth.PermRepliesApprove, OpDoc{Summary: "Sign an emergency advisory after the fact", Tags: tags,
		Description: "By an approver other than its authors and the approver who released it.",
		Params:      []Param{id}, Request: noteRequest{}, Response: pubView{}}, h.decide(ps.AfterSign))
	s.Route("POST", "/api/v1/publications/{id}/cancel", auth.PermPublish, OpDoc{Summary: "Withdraw a publication (versions not yet sent are taken back)", Tags: tags,
		Params: []Param{id}, Request: noteRequest{}, Response: pubView{}}, h.decide(ps.Cancel))
	s.Route("POST", "/api/v1/publications/{id}/comments", auth.PermPublish, OpDoc{Summary: "Comment on a publication", Tags: tags,
		Params: []Param{id}, Request: noteRequest{}, Response: publish.Event{}, Status: http.StatusCreated}, h.comment)
	s.Route("POST", "/api/v1/publications/{id}/schedule", auth.PermPublish, OpDoc{Summary: "Move a publication to another time (the calendar)", Tags: tags,
		Description: "An approved publication moves without a new approval while the outbox has not started sending it.",
		Params:      []Param{id}, Request: scheduleRequest{}, Response: pubView{}}, h.schedule)
	s.Route("POST", "/api/v1/publications/{id}/media", auth.PermPublish, OpDoc{Summary: "Attach an image (multipart: file, alt_en, alt_kn, alt_hi)", Tags: tags,
		Description: "JPEG or PNG, at most 5 MB and 8192 px a side, read from its bytes; alt text in at least one language is required. Served to the platforms at /media/{sha256}.{ext} once the publication is approved.",
		Params:      []Param{id}, Response: publish.Media{}, Status: http.StatusCreated}, h.addMedia)
	mid := Param{Name: "media", In: "path", Type: "integer", Required: true}
	s.Route("GET", "/api/v1/publications/{id}/media/{media}", auth.PermPublish, OpDoc{Summary: "An attached image (staff preview, any state)", Tags: tags,
		Params: []Param{id, mid}, RawResponse: "image/*"}, h.getMedia)
	s.Route("DELETE", "/api/v1/publications/{id}/media/{media}", auth.PermPublish, OpDoc{Summary: "Remove an image from a draft", Tags: tags,
		Params: []Param{id, mid}}, h.removeMedia)
	s.Route("GET", "/media/{file}", auth.PermPublic, OpDoc{Summary: "An approved publication's image, for the platforms to download", Tags: tags,
		Params: []Param{{Name: "file", In: "path", Required: true, Description: "{sha256}.jpg or .png"}}, RawResponse: "image/*"}, h.publicMedia)
	s.Route("GET", "/api/v1/publish/policies", auth.PermPublish, OpDoc{Summary: "Approval rules: levels by account and kind", Tags: tags,
		Response: []publish.Policy{}}, h.policies)
	s.Route("PUT", "/api/v1/publish/policies", auth.PermChannelsManage, OpDoc{Summary: "Set an approval rule (levels 1 or 2; 0 removes it)", Tags: tags,
		Description: "channel_id 0 is any account, an empty kind any kind; the most specific rule wins; with none a post needs one approval.",
		Request:     publish.Policy{}, Response: []publish.Policy{}}, h.setPolicy)
	s.Route("GET", "/api/v1/publish/stations", auth.PermPublish, OpDoc{Summary: "Stations' locality groups: Telegram channel, WhatsApp broadcast and how many citizens receive it", Tags: tags,
		Description: "Citizens join a station's WhatsApp broadcast only by writing JOIN <station> to its number, and leave with STOP (at once: messages queued for them are withdrawn). Numbers are never listed.",
		Response:    []publish.StationGroup{}}, h.stations)
	s.Route("PUT", "/api/v1/publish/stations/{unit}", auth.PermChannelsManage, OpDoc{Summary: "Set a station's Telegram channel and WhatsApp broadcast (number and approved template)", Tags: tags,
		Params: []Param{{Name: "unit", In: "path", Type: "integer", Required: true}}, Request: publish.StationGroup{}, Response: publish.StationGroup{}}, h.setStation)
	s.Route("GET", "/api/v1/publish/stations/near", auth.PermPublish, OpDoc{Summary: "Stations within a radius of a place (to target an advisory)", Tags: tags,
		Params:   []Param{{Name: "place", Required: true, Description: "a locality, ward, landmark or station in the jurisdiction pack"}, {Name: "radius_km", Required: true, Description: "0–25"}},
		Response: []publish.StationGroup{}}, h.stationsNear)
	s.feedRoutes(ps)
	s.Route("GET", "/api/v1/campaigns", auth.PermPublish, OpDoc{Summary: "List campaigns", Tags: tags, Response: []publish.Campaign{}}, h.campaigns)
	s.Route("POST", "/api/v1/campaigns", auth.PermPublish, OpDoc{Summary: "Create a campaign", Tags: tags,
		Request: campaignRequest{}, Response: publish.Campaign{}, Status: http.StatusCreated}, h.saveCampaign)
	cid := Param{Name: "id", In: "path", Type: "integer", Required: true, Description: "the campaign"}
	s.Route("GET", "/api/v1/campaigns/{id}", auth.PermPublish, OpDoc{Summary: "Get a campaign with its publications' counts", Tags: tags,
		Params: []Param{cid}, Response: publish.Campaign{}}, h.campaign)
	s.Route("GET", "/api/v1/campaigns/{id}/results", auth.PermPublish, OpDoc{Summary: "Engagement summed over a campaign's posts", Tags: tags,
		Params: []Param{cid}, Response: publish.Results{}}, h.campaignResults)
	s.Route("PUT", "/api/v1/campaigns/{id}", auth.PermPublish, OpDoc{Summary: "Edit a campaign", Tags: tags,
		Params: []Param{cid}, Request: campaignRequest{}, Response: publish.Campaign{}}, h.saveCampaign)
}

type pubHandlers struct {
	s  *Server
	ps *publish.Service
}

type pubRequest struct {
	Kind        string              `json:"kind,omitempty"`
	Title       string              `json:"title"`
	CampaignID  int64               `json:"campaign_id,omitempty"`
	Texts       map[string]string   `json:"texts"`
	Versions    []publish.VersionIn `json:"versions"`
	ScheduledAt string              `json:"scheduled_at,omitempty"` // RFC 3339
	Recur       string              `json:"recur,omitempty"`        // daily, weekly, monthly
	RecurUntil  string              `json:"recur_until,omitempty"`  // RFC 3339
	Public      *bool               `json:"public,omitempty"`       // default true: listed on the public site once out
	Stations    []int64             `json:"stations,omitempty"`     // station unit ids whose locality groups receive it
	Place       string              `json:"place,omitempty"`        // … and the stations near this place
	RadiusKm    float64             `json:"radius_km,omitempty"`
	Version     int                 `json:"version,omitempty"` // PUT: the version read
}

type pubView struct {
	publish.Publication
	Problems []publish.Problem `json:"problems,omitempty"`
}

type pubPage struct {
	Items      []publish.Publication `json:"items"`
	NextBefore int64                 `json:"next_before,omitempty"`
}

type noteRequest struct {
	Note string `json:"note,omitempty"`
}

type scheduleRequest struct {
	ScheduledAt string `json:"scheduled_at"`
}

type checkRequest struct {
	ChannelID int64  `json:"channel_id"`
	Text      string `json:"text"`
	Media     int    `json:"media,omitempty"`
}

type campaignRequest struct {
	Name     string `json:"name"`
	Goal     string `json:"goal,omitempty"`
	StartsAt string `json:"starts_at,omitempty"`
	EndsAt   string `json:"ends_at,omitempty"`
}

// pubErr turns the service's refusals into the API's errors.
func pubErr(err error) error {
	if pe, ok := publish.AsError(err); ok {
		return &Error{Status: pe.Status, Code: pe.Code, Field: pe.Field, Message: pe.Msg, Err: err}
	}
	return err
}

func optTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, invalid(field, "%s must be an RFC 3339 time with its offset, e.g. 2026-10-20T10:00:00+05:30", field)
	}
	return t, nil
}

// DraftFrom reads a request into a Draft (the pages build one too).
func (req pubRequest) draft() (publish.Draft, error) {
	d := publish.Draft{Kind: publish.Kind(req.Kind), Title: req.Title, CampaignID: req.CampaignID, Texts: req.Texts,
		Versions: req.Versions, Recur: req.Recur, Public: req.Public == nil || *req.Public, Stations: req.Stations, Place: req.Place, RadiusKm: req.RadiusKm}
	var err error
	if d.ScheduledAt, err = optTime("scheduled_at", req.ScheduledAt); err != nil {
		return d, err
	}
	if d.RecurUntil, err = optTime("recur_until", req.RecurUntil); err != nil {
		return d, err
	}
	return d, nil
}

func (h *pubHandlers) view(w http.ResponseWriter, r *http.Request, status int, p publish.Publication) error {
	v := pubView{Publication: p}
	if p.State == publish.StateDraft || p.State == publish.Rejected {
		v.Problems = h.ps.Problems(r.Context(), p)
	}
	return JSON(w, status, v)
}

func (h *pubHandlers) list(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := publish.Filter{Kind: publish.Kind(q.Get("kind")), AfterSignDue: q.Get("after_sign_due") == "true"}
	if st := q.Get("state"); st != "" {
		for _, x := range strings.Split(st, ",") {
			f.States = append(f.States, publish.State(strings.TrimSpace(x)))
		}
	}
	var err error
	if f.From, err = optTime("from", q.Get("from")); err != nil {
		return err
	}
	if f.To, err = optTime("to", q.Get("to")); err != nil {
		return err
	}
	c, err := QueryInt(r, "campaign", 0, 0, 1<<62)
	if err != nil {
		return err
	}
	b, err := QueryInt(r, "before", 0, 0, 1<<62)
	if err != nil {
		return err
	}
	l, err := QueryInt(r, "limit", 50, 1, 500)
	if err != nil {
		return err
	}
	f.CampaignID, f.BeforeID, f.Limit = c, b, int(l)
	items, err := h.ps.List(r.Context(), f)
	if err != nil {
		return err
	}
	page := pubPage{Items: items}
	if page.Items == nil {
		page.Items = []publish.Publication{}
	}
	if len(items) == f.Limit && f.From.IsZero() && f.To.IsZero() {
		page.NextBefore = items[len(items)-1].ID
	}
	return JSON(w, http.StatusOK, page)
}

func (h *pubHandlers) create(w http.ResponseWriter, r *http.Request) error {
	var req pubRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	d, err := req.draft()
	if err != nil {
		return err
	}
	p, err := h.ps.Create(r.Context(), Principal(r), d)
	if err != nil {
		return pubErr(err)
	}
	return h.view(w, r, http.StatusCreated, p)
}

func (h *pubHandlers) update(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	var req pubRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	d, err := req.draft()
	if err != nil {
		return err
	}
	p, err := h.ps.Update(r.Context(), Principal(r), id, req.Version, d)
	if err != nil {
		return pubErr(err)
	}
	return h.view(w, r, http.StatusOK, p)
}

func (h *pubHandlers) get(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	p, err := h.ps.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return h.view(w, r, http.StatusOK, p)
}

func (h *pubHandlers) history(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.ps.Get(r.Context(), id); err != nil {
		return err
	}
	ev, err := h.ps.History(r.Context(), id)
	if err != nil {
		return err
	}
	if ev == nil {
		ev = []publish.Event{}
	}
	return JSON(w, http.StatusOK, ev)
}
