package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/kaval-desk/kaval/internal/publish"
)

// ReadImageUpload reads an image and its alt text from a multipart form
// (the API's and the compose page's upload).
func ReadImageUpload(r *http.Request) ([]byte, map[string]string, error) {
	if err := r.ParseMultipartForm(publish.MaxImageBytes + 64<<10); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, nil, invalid("file", "the image is larger than 5 MB")
		}
		return nil, nil, invalid("file", "send a multipart form with the image in field file")
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		return nil, nil, invalid("file", "send the image in field file")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, publish.MaxImageBytes+1))
	if err != nil {
		return nil, nil, invalid("file", "the image could not be read")
	}
	alt := map[string]string{}
	for _, l := range publish.Langs {
		alt[l] = r.FormValue("alt_" + l)
	}
	return data, alt, nil
}

func (h *pubHandlers) addMedia(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	data, alt, err := ReadImageUpload(r)
	if err != nil {
		return err
	}
	m, err := h.ps.AddMedia(r.Context(), Principal(r), id, data, alt)
	if err != nil {
		return pubErr(err)
	}
	return JSON(w, http.StatusCreated, m)
}

func (h *pubHandlers) removeMedia(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	mid, err := PathID(r, "media")
	if err != nil {
		return err
	}
	if err := h.ps.RemoveMedia(r.Context(), Principal(r), id, mid); err != nil {
		return pubErr(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ServeImage writes a stored image so no browser can take it for anything
// else: its type from the bytes, nosniff (the server's), a sandbox CSP and
// a download name.
func ServeImage(w http.ResponseWriter, data []byte, ct, name string, public bool) {
	hd := w.Header()
	hd.Set("Content-Type", ct)
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	hd.Set("Content-Disposition", `inline; filename="`+name+`"`)
	hd.Set("Content-Length", strconv.Itoa(len(data)))
	if public {
		hd.Set("Cache-Control", "public, max-age=31536000, immutable") // the name is the content's hash
	} else {
		hd.Set("Cache-Control", "private, no-store")
	}
	w.WriteHeader(http.StatusOK)
	w.Write(data)
}

func (h *pubHandlers) getMedia(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	mid, err := PathID(r, "media")
	if err != nil {
		return err
	}
	data, ct, err := h.ps.MediaFile(r.Context(), id, mid)
	if err != nil {
		return err
	}
	ServeImage(w, data, ct, "image-"+strconv.FormatInt(mid, 10), false)
	return nil
}

func (h *pubHandlers) publicMedia(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("file")
	data, ct, err := h.ps.PublicMedia(r.Context(), name)
	if err != nil {
		return err
	}
	ServeImage(w, data, ct, name, true)
	return nil
}
