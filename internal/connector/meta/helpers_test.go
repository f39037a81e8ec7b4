package meta_test

import (
	"context"
	"sync"
	"time"
)

type statusRec struct {
	platform, id, status, detail string
	at                           time.Time
}

// memStatuses records delivery-status callbacks (sent, delivered, read…).
type memStatuses struct {
	mu   sync.Mutex
	list []statusRec
}

func (m *memStatuses) DeliveryStatus(ctx context.Context, platform, id, status string, at time.Time, detail string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.list = append(m.list, statusRec{platform, id, status, detail, at})
	return nil
}

func (m *memStatuses) all() []statusRec {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]statusRec(nil), m.list...)
}
