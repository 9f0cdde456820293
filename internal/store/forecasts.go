package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Forecast is a stored projection of what is due of one course over a
// week (package forecast makes and reads them).
type Forecast struct {
	Course      string
	Fingerprint string
	MadeAt      time.Time
	Active      int                       // active readers projected
	Counts      map[string]map[string]int // day -> lesson slug -> readers
}

// SaveForecast stores f in place of the course's last forecast.
func (db *DB) SaveForecast(ctx context.Context, f Forecast) error {
	counts, err := json.Marshal(f.Counts)
	if err != nil {
		return fmt.Errorf("store: save forecast: %w", err)
	}
	_, err = db.w.ExecContext(ctx, `INSERT INTO forecasts (course, fingerprint, made_at, active, counts) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (course) DO UPDATE SET fingerprint = excluded.fingerprint, made_at = excluded.made_at,
		active = excluded.active, counts = excluded.counts`, f.Course, f.Fingerprint, unix(f.MadeAt), f.Active, string(counts))
	if err != nil {
		return fmt.Errorf("store: save forecast: %w", friendly(err))
	}
	return nil
}

// StoredForecast returns the course's last forecast; found is false when
// there is none.
func (db *DB) StoredForecast(ctx context.Context, course string) (f Forecast, found bool, err error) {
	var made int64
	var counts string
	err = db.r.QueryRowContext(ctx, "SELECT fingerprint, made_at, active, counts FROM forecasts WHERE course = ?", course).
		Scan(&f.Fingerprint, &made, &f.Active, &counts)
	if errors.Is(err, sql.ErrNoRows) {
		return Forecast{}, false, nil
	}
	if err != nil {
		return Forecast{}, false, fmt.Errorf("store: forecast: %w", err)
	}
	if err := json.Unmarshal([]byte(counts), &f.Counts); err != nil {
		return Forecast{}, false, fmt.Errorf("store: forecast of %s: %w", course, err)
	}
	f.Course, f.MadeAt = course, fromUnix(made)
	return f, true, nil
}
