package sqlite

import "time"

// Timestamps are stored as INTEGER microseconds since the Unix epoch, UTC, so
// they sort and compare in SQL; 0 or NULL means "not set".

func nowMicros() int64 { return time.Now().UnixMicro() }

func toMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// nullMicros maps the zero time to SQL NULL.
func nullMicros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
