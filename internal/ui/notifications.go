package ui

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/notify"
	"github.com/kaval-desk/kaval/internal/web"
)

// NotificationsPath lists the signed-in person's notifications.
const NotificationsPath = "/desk/notifications"

// SubjectNotify is announced (payload: JSON list of user ids) when those
// people have a new notification; their bells reload.
const SubjectNotify = "notify.users"

type notifyPages struct {
	u *UI
	n *notify.Notifier
}

// NotifyPages registers the bell in the top bar (pushed live), the
// notifications page, marking read, and where else to be reached.
func (u *UI) NotifyPages(n *notify.Notifier) {
	np := &notifyPages{u: u, n: n}
	any := auth.PermAuthenticated
	u.Handle(Route{Method: "GET", Path: NotificationsPath, Perm: any, Summary: "My notifications"}, np.page)
	u.Handle(Route{Method: "GET", Path: NotificationsPath + "/bell", Perm: any, Summary: "Unread notifications (top bar bell)"}, np.bell)
	u.Stream(Route{Path: NotificationsPath + "/live", Perm: any, Summary: "My new notifications (SSE; the bell reloads)"},
		[]string{SubjectNotify}, np.live)
	u.Handle(Route{Method: "POST", Path: NotificationsPath + "/{id}/open", Perm: any, Summary: "Mark a notification read and open what it is about"}, np.open)
	u.Handle(Route{Method: "POST", Path: NotificationsPath + "/read", Perm: any, Summary: "Mark all my notifications read"}, np.readAll)
	u.Handle(Route{Method: "POST", Path: NotificationsPath + "/contact", Perm: any, Summary: "Set my e-mail and Telegram chat for notifications"}, np.contact)
	u.AddNotifications(NotificationsPath+"/bell", NotificationsPath+"/live", any)
}

// PublishNotify is the notifier's Live hook: the bells of userIDs reload
// on every replica.
func (u *UI) PublishNotify(ctx context.Context, userIDs []int64) error {
	b, _ := json.Marshal(userIDs)
	return u.hub.Publish(ctx, SubjectNotify, b)
}

type noteRow struct {
	notify.Item
	Subject, Body string
}

type notePage struct {
	Rows       []noteRow
	Unread     int
	UnreadOnly bool
	Contact    notify.Contact
	Email      bool  // e-mail is set up on this desk
	Telegram   bool  // Telegram likewise
	More       int64 // the id to page before, when there may be more
}

func (np *notifyPages) page(w http.ResponseWriter, r *http.Request) error {
	p := auth.FromContext(r.Context())
	unreadOnly := r.URL.Query().Get("unread") == "1"
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	items, err := np.n.List(r.Context(), p.UserID, unreadOnly, before, 50)
	if err != nil {
		return err
	}
	on := np.n.Configured()
	v := notePage{UnreadOnly: unreadOnly, Email: on[notify.ChannelEmail], Telegram: on[notify.ChannelTelegram]}
	lang := Lang(r)
	for _, it := range items {
		t := it.In(lang)
		v.Rows = append(v.Rows, noteRow{Item: it, Subject: t.Subject, Body: t.Body})
	}
	if len(items) == 50 {
		v.More = items[len(items)-1].ID
	}
	if v.Unread, err = np.n.Unread(r.Context(), p.UserID); err != nil {
		return err
	}
	if v.Contact, err = np.n.ContactOf(r.Context(), p.UserID); err != nil {
		return err
	}
	return np.u.Render(w, r, http.StatusOK, "notifications.html", View{Title: "notify.title", Data: v})
}

func (np *notifyPages) bell(w http.ResponseWriter, r *http.Request) error {
	k, err := np.n.Unread(r.Context(), auth.FromContext(r.Context()).UserID)
	if err != nil {
		return err
	}
	return np.u.Fragment(w, r, http.StatusOK, "notifications.html", "bell", k)
}

// live tells a connection to reload its bell when its user is among those
// notified; other users' notifications are not even hinted at.
func (np *notifyPages) live(r *http.Request, ev Event) ([]Frame, error) {
	var ids []int64
	if json.Unmarshal(ev.Data, &ids) != nil || !slices.Contains(ids, auth.FromContext(r.Context()).UserID) {
		return nil, nil
	}
	return []Frame{{Name: "notify", HTML: "1"}}, nil
}

func (np *notifyPages) open(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	p := auth.FromContext(r.Context())
	if err := np.n.MarkRead(r.Context(), p.UserID, id); err != nil {
		return err
	}
	target := NotificationsPath
	items, err := np.n.List(r.Context(), p.UserID, false, id+1, 1)
	if err == nil && len(items) == 1 && items[0].ID == id && items[0].Link != "" {
		target = items[0].Link
	}
	return np.u.Redirect(w, r, target)
}

func (np *notifyPages) readAll(w http.ResponseWriter, r *http.Request) error {
	k, err := np.n.MarkAllRead(r.Context(), auth.FromContext(r.Context()).UserID)
	if err != nil {
		return err
	}
	np.u.Flash(r, FlashOK, "notify.all_read", strconv.Itoa(k))
	return np.u.Redirect(w, r, NotificationsPath)
}

func (np *notifyPages) contact(w http.ResponseWriter, r *http.Request) error {
	c := notify.Contact{Email: r.PostFormValue("email"), TelegramChat: r.PostFormValue("telegram_chat")}
	_, err := np.n.SetContact(r.Context(), auth.FromContext(r.Context()).UserID, c)
	var ve *notify.ValidationError
	switch {
	case errors.As(err, &ve):
		np.u.Flash(r, FlashError, "notify.contact_invalid_"+ve.Field)
	case err != nil:
		return err
	default:
		np.u.Flash(r, FlashOK, "notify.contact_saved")
	}
	return np.u.Redirect(w, r, NotificationsPath)
}
