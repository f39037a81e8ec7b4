package web

import (
	"net/http"
	"strconv"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/notify"
)

// NotifyAPI mounts the signed-in person's notifications (any user: each
// sees only their own), where else they want to be reached, and for
// administrators the delivery queue (e-mail, Telegram, webhook) with a
// retry for failed sends.
func (s *Server) NotifyAPI(n *notify.Notifier) {
	h := &notifyHandlers{n: n}
	tags := []string{"notifications"}
	id := Param{Name: "id", In: "path", Type: "integer", Required: true}
	me := auth.PermAuthenticated
	s.Route("GET", "/api/v1/notifications", me, OpDoc{Summary: "My notifications, newest first", Tags: tags,
		Params: []Param{{Name: "unread", Type: "boolean", Description: "only unread ones"},
			{Name: "before", Type: "integer", Description: "page: notifications older than this id"},
			{Name: "limit", Type: "integer", Description: "1–200, default 50"}},
		Response: notifyList{}}, h.list)
	s.Route("POST", "/api/v1/notifications/{id}/read", me, OpDoc{Summary: "Mark one of my notifications read", Tags: tags,
		Params: []Param{id}}, h.read)
	s.Route("POST", "/api/v1/notifications/read", me, OpDoc{Summary: "Mark all my notifications read", Tags: tags,
		Response: map[string]int{"marked": 0}}, h.readAll)
	s.Route("GET", "/api/v1/notifications/contact", me, OpDoc{Summary: "Where I am reached besides the desk", Tags: tags,
		Response: notify.Contact{}}, h.getContact)
	s.Route("PUT", "/api/v1/notifications/contact", me, OpDoc{Summary: "Set my e-mail address and Telegram chat (empty: off)", Tags: tags,
		Request: notify.Contact{}, Response: notify.Contact{}}, h.putContact)
	s.Route("GET", "/api/v1/notifications/deliveries", auth.PermUsersManage, OpDoc{Summary: "The outgoing delivery queue (e-mail, Telegram, webhook)", Tags: tags,
		Description: "Webhook targets are shown without credentials or query.",
		Params:      []Param{{Name: "state", Type: "string", Description: "pending, sent or failed"}, {Name: "limit", Type: "integer", Description: "1–500, default 100"}},
		Response:    []notify.Delivery{}}, h.deliveries)
	s.Route("POST", "/api/v1/notifications/deliveries/{id}/retry", auth.PermUsersManage, OpDoc{Summary: "Queue a failed delivery again, due now", Tags: tags,
		Params: []Param{id}}, h.retry)
}

type notifyHandlers struct{ n *notify.Notifier }

type notifyList struct {
	Unread        int           `json:"unread"`
	Notifications []notify.Item `json:"notifications"`
}

func (h *notifyHandlers) list(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	limit, _ := strconv.Atoi(q.Get("limit"))
	uid := Principal(r).UserID
	items, err := h.n.List(r.Context(), uid, q.Get("unread") == "true" || q.Get("unread") == "1", before, limit)
	if err != nil {
		return err
	}
	k, err := h.n.Unread(r.Context(), uid)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, notifyList{Unread: k, Notifications: items})
}

func (h *notifyHandlers) read(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.n.MarkRead(r.Context(), Principal(r).UserID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *notifyHandlers) readAll(w http.ResponseWriter, r *http.Request) error {
	k, err := h.n.MarkAllRead(r.Context(), Principal(r).UserID)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, map[string]int{"marked": k})
}

func (h *notifyHandlers) getContact(w http.ResponseWriter, r *http.Request) error {
	c, err := h.n.ContactOf(r.Context(), Principal(r).UserID)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, c)
}

func (h *notifyHandlers) putContact(w http.ResponseWriter, r *http.Request) error {
	var c notify.Contact
	if err := DecodeJSON(r, &c); err != nil {
		return err
	}
	out, err := h.n.SetContact(r.Context(), Principal(r).UserID, c)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, out)
}

func (h *notifyHandlers) deliveries(w http.ResponseWriter, r *http.Request) error {
	state := r.URL.Query().Get("state")
	switch state {
	case "", "pending", "sent", "failed":
	default:
		return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: "state", Message: "state is pending, sent or failed"}
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	out, err := h.n.Deliveries(r.Context(), state, limit)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, out)
}

func (h *notifyHandlers) retry(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.n.Retry(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
