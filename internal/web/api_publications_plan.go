package web

import (
	"net/http"
	"strconv"

	"github.com/kaval-desk/kaval/internal/publish"
)

func (h *pubHandlers) policies(w http.ResponseWriter, r *http.Request) error {
	ps, err := h.ps.Policies(r.Context())
	if err != nil {
		return err
	}
	if ps == nil {
		ps = []publish.Policy{}
	}
	return JSON(w, http.StatusOK, ps)
}

func (h *pubHandlers) setPolicy(w http.ResponseWriter, r *http.Request) error {
	var req publish.Policy
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	if err := h.ps.SetPolicy(r.Context(), Principal(r), req); err != nil {
		return pubErr(err)
	}
	return h.policies(w, r)
}

func (h *pubHandlers) campaigns(w http.ResponseWriter, r *http.Request) error {
	cs, err := h.ps.Campaigns(r.Context())
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []publish.Campaign{}
	}
	return JSON(w, http.StatusOK, cs)
}

func (h *pubHandlers) campaign(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	c, err := h.ps.Campaign(r.Context(), id)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, c)
}

func (h *pubHandlers) saveCampaign(w http.ResponseWriter, r *http.Request) error {
	var id int64
	if r.Method == http.MethodPut {
		var err error
		if id, err = PathID(r, "id"); err != nil {
			return err
		}
	}
	var req campaignRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	c := publish.Campaign{ID: id, Name: req.Name, Goal: req.Goal}
	var err error
	if c.StartsAt, err = optTime("starts_at", req.StartsAt); err != nil {
		return err
	}
	if c.EndsAt, err = optTime("ends_at", req.EndsAt); err != nil {
		return err
	}
	c, err = h.ps.SaveCampaign(r.Context(), Principal(r), c)
	if err != nil {
		return pubErr(err)
	}
	status := http.StatusOK
	if id == 0 {
		status = http.StatusCreated
	}
	return JSON(w, status, c)
}

func (h *pubHandlers) results(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.ps.Get(r.Context(), id); err != nil {
		return err
	}
	res, err := h.ps.Results(r.Context(), id)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, res)
}

func (h *pubHandlers) campaignResults(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.ps.Campaign(r.Context(), id); err != nil {
		return err
	}
	res, err := h.ps.CampaignResults(r.Context(), id)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, res)
}

func (h *pubHandlers) stations(w http.ResponseWriter, r *http.Request) error {
	gs, err := h.ps.StationGroups(r.Context(), 0)
	if err != nil {
		return err
	}
	if gs == nil {
		gs = []publish.StationGroup{}
	}
	return JSON(w, http.StatusOK, gs)
}

func (h *pubHandlers) setStation(w http.ResponseWriter, r *http.Request) error {
	unit, err := PathID(r, "unit")
	if err != nil {
		return err
	}
	var req publish.StationGroup
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	req.UnitID = unit
	g, err := h.ps.SetStationGroup(r.Context(), Principal(r), req)
	if err != nil {
		return pubErr(err)
	}
	return JSON(w, http.StatusOK, g)
}

func (h *pubHandlers) stationsNear(w http.ResponseWriter, r *http.Request) error {
	radius, err := strconv.ParseFloat(r.URL.Query().Get("radius_km"), 64)
	if err != nil {
		return invalid("radius_km", "radius_km must be a number of kilometres")
	}
	ids, err := h.ps.StationsNear(r.Context(), r.URL.Query().Get("place"), radius)
	if err != nil {
		return pubErr(err)
	}
	all, err := h.ps.StationGroups(r.Context(), 0)
	if err != nil {
		return err
	}
	out := []publish.StationGroup{}
	for _, g := range all {
		for _, id := range ids {
			if g.UnitID == id {
				out = append(out, g)
			}
		}
	}
	return JSON(w, http.StatusOK, out)
}
