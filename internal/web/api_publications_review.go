package web

import (
	"context"
	"net/http"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/publish"
)

func (h *pubHandlers) submit(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	p, err := h.ps.Submit(r.Context(), Principal(r), id)
	if err != nil {
		return pubErr(err)
	}
	return h.view(w, r, http.StatusOK, p)
}

// readNote reads an optional {"note": …} body: an empty body is no note.
func readNote(r *http.Request) (string, error) {
	if r.ContentLength == 0 && r.Header.Get("Content-Type") == "" {
		return "", nil
	}
	var req noteRequest
	if err := DecodeJSON(r, &req); err != nil {
		return "", err
	}
	return req.Note, nil
}

func (h *pubHandlers) decide(fn func(ctx context.Context, p *auth.Principal, id int64, note string) (publish.Publication, error)) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := PathID(r, "id")
		if err != nil {
			return err
		}
		note, err := readNote(r)
		if err != nil {
			return err
		}
		p, err := fn(r.Context(), Principal(r), id, note)
		if err != nil {
			return pubErr(err)
		}
		return h.view(w, r, http.StatusOK, p)
	}
}

func (h *pubHandlers) comment(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	note, err := readNote(r)
	if err != nil {
		return err
	}
	ev, err := h.ps.Comment(r.Context(), Principal(r), id, note)
	if err != nil {
		return pubErr(err)
	}
	return JSON(w, http.StatusCreated, ev)
}

func (h *pubHandlers) schedule(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	var req scheduleRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	at, err := optTime("scheduled_at", req.ScheduledAt)
	if err != nil {
		return err
	}
	p, err := h.ps.Reschedule(r.Context(), Principal(r), id, at)
	if err != nil {
		return pubErr(err)
	}
	return h.view(w, r, http.StatusOK, p)
}

func (h *pubHandlers) check(w http.ResponseWriter, r *http.Request) error {
	var req checkRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	if req.Media < 0 || req.Media > publish.MaxImages {
		return invalid("media", "media is a count of images, 0–%d", publish.MaxImages)
	}
	c, err := h.ps.CheckVersion(r.Context(), req.ChannelID, req.Text, req.Media)
	if err != nil {
		return pubErr(err)
	}
	return JSON(w, http.StatusOK, c)
}
