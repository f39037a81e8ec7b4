package metafake

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// What the platform holds, for Graph reads (polling reconciliation) and
// Instagram publishing. The event builders record into it whether or not
// their webhook is then delivered: a built but undelivered event is a
// missed webhook that only polling can find.

type fbPost struct {
	ID, FromID, FromName, Message string
	Created                       time.Time
}

type fbComment struct {
	ID, PostID, ParentID, FromID, FromName, Message string
	Created                                         time.Time
}

type dm struct {
	MID, FromID, Text string
	Created           time.Time
}

type igMedia struct {
	ID, Caption, Permalink string
	Created                time.Time
}

type igComment struct {
	ID, MediaID, ParentID, FromID, Username, Text string
	Created                                       time.Time
}

type container struct {
	imageURL, caption, mediaType string
	children                     []string
	carouselItem                 bool
	pollsLeft                    int
	published                    bool
}

const graphTime = "2006-01-02T15:04:05-0700"

func (s *Server) recordPost(p fbPost) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, q := range s.feed {
		if q.ID == p.ID {
			return
		}
	}
	s.feed = append(s.feed, p)
}

func (s *Server) recordComment(c fbComment) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, q := range s.comments[c.PostID] {
		if q.ID == c.ID {
			return
		}
	}
	s.comments[c.PostID] = append(s.comments[c.PostID], c)
}

func (s *Server) recordDM(psid string, m dm) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.convs[psid] = append(s.convs[psid], m)
}

func (s *Server) recordIGComment(c igComment) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, q := range s.igComments[c.MediaID] {
		if q.ID == c.ID {
			return
		}
	}
	if !s.hasIGMedia(c.MediaID) {
		s.igMedia = append(s.igMedia, igMedia{ID: c.MediaID, Caption: "", Permalink: "https://www.instagram.com/p/" + c.MediaID, Created: c.Created.Add(-time.Hour)})
	}
	s.igComments[c.MediaID] = append(s.igComments[c.MediaID], c)
}

func (s *Server) hasIGMedia(id string) bool {
	for _, m := range s.igMedia {
		if m.ID == id {
			return true
		}
	}
	return false
}

// IGPosts lists the Instagram media published through media_publish, in
// order, as "id caption" pairs.
func (s *Server) IGPosts() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Sent
	for _, x := range s.sent {
		if x.Kind == "ig_media" {
			out = append(out, x)
		}
	}
	return out
}

// SetIGProcessingPolls changes Options.IGProcessingPolls for containers
// created from now on.
func (s *Server) SetIGProcessingPolls(n int) {
	s.mu.Lock()
	s.o.IGProcessingPolls = n
	s.mu.Unlock()
}

// DropNextAnswer makes the next request to edge ("media_publish",
// "feed"…) do its work and then close the connection unanswered.
func (s *Server) DropNextAnswer(edge string) {
	s.mu.Lock()
	s.drop[edge]++
	s.mu.Unlock()
}

func (s *Server) dropAnswer(w http.ResponseWriter, edge string) bool {
	s.mu.Lock()
	n := s.drop[edge]
	if n > 0 {
		s.drop[edge] = n - 1
	}
	s.mu.Unlock()
	if n == 0 {
		return false
	}
	if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
		c.Close()
	}
	return true
}

// page writes one page of items (already in the edge's order) with Graph's
// cursor paging: paging.cursors.after and paging.next while more remain.
func (s *Server) page(w http.ResponseWriter, r *http.Request, items []map[string]any) {
	limit := 25
	if n, err := strconv.Atoi(r.Form.Get("limit")); err == nil && n > 0 {
		limit = min(n, 100)
	}
	start := 0
	if a := r.Form.Get("after"); a != "" {
		b, err := base64.RawURLEncoding.DecodeString(a)
		n, err2 := strconv.Atoi(string(b))
		if err != nil || err2 != nil || n < 0 {
			graphError(w, Error{Code: 100, Message: "(#100) Invalid after cursor"}, "cursor")
			return
		}
		start = n
	}
	end := min(start+limit, len(items))
	if start > end {
		start = end
	}
	out := map[string]any{"data": append([]map[string]any{}, items[start:end]...)}
	if end > start {
		paging := map[string]any{"cursors": map[string]string{
			"before": base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(start))),
			"after":  base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end))),
		}}
		if end < len(items) {
			q := url.Values{}
			for k, v := range r.URL.Query() {
				q[k] = v
			}
			q.Set("after", base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end))))
			q.Set("limit", strconv.Itoa(limit))
			paging["next"] = "http://" + r.Host + r.URL.Path + "?" + q.Encode()
		}
		out["paging"] = paging
	}
	writeJSON(w, out)
}

// since reads Graph's since= (Unix seconds); zero when absent.
func since(r *http.Request) time.Time {
	if n, err := strconv.ParseInt(r.Form.Get("since"), 10, 64); err == nil && n > 0 {
		return time.Unix(n, 0)
	}
	return time.Time{}
}

func from(id, name string) map[string]string {
	if id == "" {
		return nil // privacy-limited users come without from
	}
	return map[string]string{"id": id, "name": name}
}

// serveFeedRead is GET /{page-id}/feed, newest first.
func (s *Server) serveFeedRead(w http.ResponseWriter, r *http.Request) {
	t := since(r)
	s.mu.Lock()
	posts := append([]fbPost(nil), s.feed...)
	s.mu.Unlock()
	sort.SliceStable(posts, func(i, j int) bool { return posts[i].Created.After(posts[j].Created) })
	var items []map[string]any
	for _, p := range posts {
		if p.Created.Before(t) {
			continue
		}
		it := map[string]any{"id": p.ID, "created_time": p.Created.UTC().Format(graphTime), "permalink_url": "https://www.facebook.com/" + p.ID}
		if p.Message != "" {
			it["message"] = p.Message
		}
		if f := from(p.FromID, p.FromName); f != nil {
			it["from"] = f
		}
		items = append(items, it)
	}
	s.page(w, r, items)
}

// serveCommentsRead is GET /{post-id}/comments with filter=stream (every
// level) and order (chronological by default).
func (s *Server) serveCommentsRead(w http.ResponseWriter, r *http.Request, postID string) {
	t := since(r)
	s.mu.Lock()
	list := append([]fbComment(nil), s.comments[postID]...)
	s.mu.Unlock()
	sort.SliceStable(list, func(i, j int) bool { return list[i].Created.Before(list[j].Created) })
	if r.Form.Get("order") == "reverse_chronological" {
		sort.SliceStable(list, func(i, j int) bool { return list[i].Created.After(list[j].Created) })
	}
	var items []map[string]any
	for _, c := range list {
		if c.Created.Before(t) || (r.Form.Get("filter") != "stream" && c.ParentID != c.PostID) {
			continue
		}
		it := map[string]any{"id": c.ID, "message": c.Message, "created_time": c.Created.UTC().Format(graphTime)}
		if f := from(c.FromID, c.FromName); f != nil {
			it["from"] = f
		}
		if c.ParentID != "" && c.ParentID != c.PostID {
			it["parent"] = map[string]string{"id": c.ParentID}
		}
		items = append(items, it)
	}
	s.page(w, r, items)
}

// serveConversations is GET /{page-id}/conversations with each thread's
// messages embedded (newest first), threads by last activity.
func (s *Server) serveConversations(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	type conv struct {
		psid string
		msgs []dm
	}
	var convs []conv
	for psid, m := range s.convs {
		convs = append(convs, conv{psid, append([]dm(nil), m...)})
	}
	s.mu.Unlock()
	last := func(c conv) time.Time { return c.msgs[len(c.msgs)-1].Created }
	sort.Slice(convs, func(i, j int) bool { return last(convs[i]).After(last(convs[j])) })
	var items []map[string]any
	for _, c := range convs {
		var msgs []map[string]any
		for i := len(c.msgs) - 1; i >= 0; i-- {
			m := c.msgs[i]
			msgs = append(msgs, map[string]any{"id": m.MID, "message": m.Text, "created_time": m.Created.UTC().Format(graphTime),
				"from": map[string]string{"id": m.FromID}})
		}
		items = append(items, map[string]any{"id": "t_" + c.psid, "updated_time": last(c).UTC().Format(graphTime),
			"participants": map[string]any{"data": []map[string]string{{"id": c.psid}, {"id": s.o.PageID}}},
			"messages":     map[string]any{"data": msgs}})
	}
	s.page(w, r, items)
}

// serveIGMediaRead is GET /{ig-user-id}/media, newest first.
func (s *Server) serveIGMediaRead(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	list := append([]igMedia(nil), s.igMedia...)
	s.mu.Unlock()
	sort.SliceStable(list, func(i, j int) bool { return list[i].Created.After(list[j].Created) })
	var items []map[string]any
	for _, m := range list {
		items = append(items, map[string]any{"id": m.ID, "caption": m.Caption, "timestamp": m.Created.UTC().Format(graphTime), "permalink": m.Permalink})
	}
	s.page(w, r, items)
}

// serveIGCommentsRead is GET /{ig-media-id}/comments: top-level comments
// newest first, replies nested under replies.data.
func (s *Server) serveIGCommentsRead(w http.ResponseWriter, r *http.Request, mediaID string) {
	s.mu.Lock()
	list := append([]igComment(nil), s.igComments[mediaID]...)
	s.mu.Unlock()
	sort.SliceStable(list, func(i, j int) bool { return list[i].Created.After(list[j].Created) })
	render := func(c igComment) map[string]any {
		return map[string]any{"id": c.ID, "text": c.Text, "username": c.Username, "timestamp": c.Created.UTC().Format(graphTime),
			"from": map[string]string{"id": c.FromID, "username": c.Username}}
	}
	var items []map[string]any
	for _, c := range list {
		if c.ParentID != "" {
			continue
		}
		it := render(c)
		var replies []map[string]any
		for _, rc := range list {
			if rc.ParentID == c.ID {
				replies = append(replies, render(rc))
			}
		}
		if replies != nil {
			it["replies"] = map[string]any{"data": replies}
		}
		items = append(items, it)
	}
	s.page(w, r, items)
}

// serveIGContainer is POST /{ig-user-id}/media: Instagram downloads the
// image (JPEG only) and answers a container id; the container reports
// IN_PROGRESS for Options.IGProcessingPolls status reads, then FINISHED.
func (s *Server) serveIGContainer(w http.ResponseWriter, r *http.Request, trace string) {
	c := &container{imageURL: r.Form.Get("image_url"), caption: r.Form.Get("caption"), mediaType: r.Form.Get("media_type"),
		carouselItem: r.Form.Get("is_carousel_item") == "true", pollsLeft: s.o.IGProcessingPolls}
	if len([]rune(c.caption)) > 2200 {
		graphError(w, Error{Code: 100, Subcode: 2207010, Message: "(#100) The caption is too long"}, trace)
		return
	}
	switch {
	case c.mediaType == "CAROUSEL":
		ids := strings.Split(r.Form.Get("children"), ",")
		if len(ids) < 2 || len(ids) > 10 {
			graphError(w, Error{Code: 100, Message: "(#100) A carousel needs 2 to 10 children"}, trace)
			return
		}
		s.mu.Lock()
		for _, id := range ids {
			if ch, ok := s.containers[id]; !ok || !ch.carouselItem {
				s.mu.Unlock()
				graphError(w, Error{Code: 100, Message: "(#100) Invalid children: " + id}, trace)
				return
			}
		}
		s.mu.Unlock()
		c.children = ids
	case c.imageURL == "":
		graphError(w, Error{Code: 100, Message: "(#100) The parameter image_url is required"}, trace)
		return
	default:
		if err := fetchJPEG(c.imageURL); err != nil {
			graphError(w, Error{Code: 9004, Subcode: 2207052, Message: "Media download has failed. The media URI doesn't meet our requirements. (" + err.Error() + ")"}, trace)
			return
		}
	}
	s.mu.Lock()
	id := "1790" + s.id()
	s.containers[id] = c
	s.mu.Unlock()
	writeJSON(w, map[string]string{"id": id})
}

// fetchJPEG downloads an image as Instagram would, accepting only JPEG.
func fetchJPEG(u string) error {
	cl := &http.Client{Timeout: 5 * time.Second}
	resp, err := cl.Get(u)
	if err != nil {
		return fmt.Errorf("unreachable")
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if resp.StatusCode != 200 {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	if len(b) < 3 || b[0] != 0xFF || b[1] != 0xD8 || b[2] != 0xFF {
		return fmt.Errorf("not a JPEG")
	}
	return nil
}

// containerStatus answers GET /{container-id}?fields=status_code.
func (s *Server) containerStatus(w http.ResponseWriter, id string) bool {
	s.mu.Lock()
	c, ok := s.containers[id]
	status := "FINISHED"
	if ok {
		switch {
		case c.published:
			status = "PUBLISHED"
		case c.pollsLeft > 0:
			c.pollsLeft--
			status = "IN_PROGRESS"
		}
	}
	s.mu.Unlock()
	if ok {
		writeJSON(w, map[string]string{"id": id, "status_code": status})
	}
	return ok
}

// serveIGPublish is POST /{ig-user-id}/media_publish.
func (s *Server) serveIGPublish(w http.ResponseWriter, r *http.Request, trace string) {
	id := r.Form.Get("creation_id")
	s.mu.Lock()
	c, ok := s.containers[id]
	switch {
	case !ok || c.carouselItem:
		s.mu.Unlock()
		graphError(w, Error{Code: 100, Subcode: 33, Message: "(#100) Invalid creation_id " + id}, trace)
		return
	case c.published:
		s.mu.Unlock()
		graphError(w, Error{Code: 100, Message: "(#100) This media has already been published"}, trace)
		return
	case c.pollsLeft > 0:
		s.mu.Unlock()
		graphError(w, Error{Code: 9007, Subcode: 2207027, Message: "Media ID is not available (the media is not ready for publishing, please wait for a moment)"}, trace)
		return
	}
	c.published = true
	mid := "1791" + s.id()
	now := s.o.Now()
	s.igMedia = append(s.igMedia, igMedia{ID: mid, Caption: c.caption, Permalink: "https://www.instagram.com/p/" + mid, Created: now})
	s.objects[mid] = "ig_media"
	s.sent = append(s.sent, Sent{Kind: "ig_media", Parent: s.o.IGUserID, Text: c.caption, ID: mid, At: now})
	s.mu.Unlock()
	if s.dropAnswer(w, "media_publish") {
		return
	}
	writeJSON(w, map[string]string{"id": mid})
}

// servePhoto is POST /{page-id}/photos with url and caption: a photo post.
func (s *Server) servePhoto(w http.ResponseWriter, r *http.Request, trace string) {
	if err := fetchJPEG(r.Form.Get("url")); err != nil {
		graphError(w, Error{Code: 324, Message: "(#324) Requires upload file (" + err.Error() + ")"}, trace)
		return
	}
	s.mu.Lock()
	photo := s.id()
	id := s.o.PageID + "_" + s.id()
	s.objects[id] = "post"
	s.sent = append(s.sent, Sent{Kind: "photo", Parent: s.o.PageID, Text: r.Form.Get("caption"), ID: id, At: s.o.Now()})
	s.mu.Unlock()
	writeJSON(w, map[string]string{"id": photo, "post_id": id})
}
