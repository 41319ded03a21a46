package gbfs

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // the system's timezone must load on hosts without zoneinfo

	"cityhub/apperr"
)

// DefaultRefresh is how often the feeds are rendered again, and their ttl.
const DefaultRefresh = 15 * time.Second

// DefaultMinRefresh is how soon a change seen through Versioned is published.
const DefaultMinRefresh = 2 * time.Second

// Versioned is optionally implemented by a Source that counts its changes
// (the mobility service does, for changes made through this process): Run
// then refreshes soon after a change instead of waiting for the ttl.
type Versioned interface {
	Version() int64
}

// Config is how the city publishes its feeds.
type Config struct {
	System SystemInfo
	// BaseURL is the hub's public URL; the feeds are at BaseURL/gbfs/v3/<name>.json.
	BaseURL string
	// Refresh is how often the feeds are read from the Source and rendered;
	// every feed's ttl says the same. DefaultRefresh when zero.
	Refresh time.Duration
	// MinRefresh is the shortest time between two refreshes when the
	// Source is Versioned and changes; DefaultMinRefresh when zero.
	MinRefresh time.Duration
	// VehicleIDSecret keys the rotating vehicle ids. Replicas must share it
	// so they publish the same ids; a random one per process when empty.
	VehicleIDSecret []byte
	Log             *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Body is one feed, rendered.
type Body struct {
	JSON []byte
	// ETag is a strong validator of JSON, quoted.
	ETag string
	// Gzip is JSON compressed once at rendering, for clients that accept it;
	// GzipETag is its own validator (another representation, another tag).
	Gzip     []byte
	GzipETag string
	// LastUpdated is the feed's last_updated: when its data last changed.
	LastUpdated time.Time
	// RenderedAt is when the hub rendered (or confirmed) the body, by its
	// own clock; the next refresh is due at RenderedAt plus the ttl.
	RenderedAt time.Time
	TTL        time.Duration
}

// MaxAge is how long a client may keep the body at now, in whole seconds.
func (b *Body) MaxAge(now time.Time) int {
	left := b.RenderedAt.Add(b.TTL).Sub(now)
	if left <= 0 {
		return 0
	}
	return int(left / time.Second)
}

// rendition is every feed rendered from one snapshot.
type rendition struct {
	at     time.Time // by the hub's clock, which the staleness check uses
	bodies map[string]*Body
	hashes map[string][32]byte // of each feed's data object
}

// Feeds keeps every feed pre-rendered in memory. Safe for concurrent use.
type Feeds struct {
	src        Source
	b          builder
	refresh    time.Duration
	minRefresh time.Duration
	log        *slog.Logger
	now        func() time.Time

	current atomic.Pointer[rendition]
	mu      sync.Mutex // serializes refreshes; guards the fields below
	lastTry time.Time
	lastErr error
}

var spdxPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.+-]*$`)

// New checks cfg and returns the feeds of src, not rendered yet: call Refresh
// or Run, or let the first Feed call render them.
func New(src Source, cfg Config) (*Feeds, error) {
	if src == nil {
		return nil, errors.New("gbfs: no source")
	}
	sys := cfg.System
	var errs []error
	if strings.TrimSpace(sys.SystemID) == "" {
		errs = append(errs, errors.New("system id is empty"))
	}
	if strings.TrimSpace(sys.NameIT) == "" {
		errs = append(errs, errors.New("system name (it) is empty"))
	}
	if strings.TrimSpace(sys.OpeningHours) == "" {
		errs = append(errs, errors.New("opening hours are empty"))
	}
	loc, err := time.LoadLocation(sys.Timezone)
	if err != nil || sys.Timezone == "" || sys.Timezone == "Local" {
		errs = append(errs, fmt.Errorf("timezone %q is not an IANA zone name", sys.Timezone))
		loc = time.UTC
	}
	for _, e := range []struct{ what, v string }{{"feed contact email", sys.FeedContactEmail}, {"email", sys.Email}} {
		if e.v == "" && e.what == "email" {
			continue
		}
		if a, err := mail.ParseAddress(e.v); err != nil || a.Address != e.v {
			errs = append(errs, fmt.Errorf("%s %q is not an address", e.what, e.v))
		}
	}
	if sys.LicenseID != "" && !spdxPattern.MatchString(sys.LicenseID) {
		errs = append(errs, fmt.Errorf("license id %q is not an SPDX id", sys.LicenseID))
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		errs = append(errs, fmt.Errorf("base url %q is not an http(s) URL", cfg.BaseURL))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("gbfs config: %w", errors.Join(errs...))
	}
	secret := cfg.VehicleIDSecret
	if len(secret) == 0 {
		secret = make([]byte, 32)
		rand.Read(secret)
	}
	f := &Feeds{src: src, b: builder{sys: sys, loc: loc, baseURL: base, secret: secret},
		refresh: cfg.Refresh, log: cfg.Log, now: cfg.Now}
	if f.refresh <= 0 {
		f.refresh = DefaultRefresh
	}
	f.refresh = max(f.refresh.Truncate(time.Second), time.Second)
	f.minRefresh = cfg.MinRefresh
	if f.minRefresh <= 0 {
		f.minRefresh = DefaultMinRefresh
	}
	f.minRefresh = max(f.minRefresh, 10*time.Millisecond)
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	if f.now == nil {
		f.now = time.Now
	}
	if sys.FeedContactEmail == PlaceholderFeedContact {
		f.log.Warn("gbfs feed contact is a placeholder that reaches nobody: set the city's e-mail address (CITYHUB_CITY_EMAIL)",
			slog.String("feed_contact_email", sys.FeedContactEmail))
	}
	return f, nil
}

// TTL is how often the feeds are refreshed.
func (f *Feeds) TTL() time.Duration { return f.refresh }

// Refresh reads a snapshot and renders every feed. A feed whose data did not
// change keeps its bytes, last_updated and ETag, so conditional requests
// still hit and nothing is compressed again.
func (f *Feeds) Refresh(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refreshLocked(ctx)
}

func (f *Feeds) refreshLocked(ctx context.Context) error {
	f.lastTry = f.now()
	f.lastErr = f.render(ctx)
	return f.lastErr
}

func (f *Feeds) render(ctx context.Context) error {
	snap, err := f.src.GBFSSnapshot(ctx)
	if err != nil {
		return fmt.Errorf("read gbfs snapshot: %w", err)
	}
	if snap.At.IsZero() {
		snap.At = f.now()
	}
	data, err := f.b.build(snap)
	if err != nil {
		return err
	}
	prev := f.current.Load()
	renderedAt := f.now()
	next := &rendition{at: renderedAt, bodies: make(map[string]*Body, len(data)), hashes: make(map[string][32]byte, len(data))}
	ttl := strconv.Itoa(int(f.refresh / time.Second))
	for name, d := range data {
		updated := changedAt(snap, name).Truncate(time.Second)
		sum := sha256.Sum256(d)
		next.hashes[name] = sum
		// Same data, same change time: the same body. (A source that
		// gives no change times keeps the first rendering's time.)
		timeless := snap.ChangedAt.IsZero() && snap.CatalogueChangedAt.IsZero()
		// (Nor one whose change time went back: see below.)
		if prev != nil && prev.hashes[name] == sum && (timeless || !updated.After(prev.bodies[name].LastUpdated)) {
			// Same data, same bytes: only the time of the check moves on.
			same := *prev.bodies[name]
			same.RenderedAt = renderedAt
			next.bodies[name] = &same
			continue
		}
		if prev != nil && prev.bodies[name] != nil && prev.hashes[name] != sum && !updated.After(prev.bodies[name].LastUpdated) {
			// The data changed but its change time did not move on: what
			// changed was a row going away (an unlock that failed, a
			// station reset), and the newest of the rows left is older.
			// last_updated never goes back: a client asking If-Modified-Since
			// would be told nothing changed, and a GBFS reader that skips
			// an older last_updated would keep the old data.
			updated = prev.bodies[name].LastUpdated.Add(time.Second)
		}
		var buf bytes.Buffer
		buf.Grow(len(d) + 96)
		buf.WriteString(`{"last_updated":"`)
		buf.WriteString(timestamp(updated, f.b.loc))
		buf.WriteString(`","ttl":`)
		buf.WriteString(ttl)
		buf.WriteString(`,"version":"` + Version + `","data":`)
		buf.Write(d)
		buf.WriteString("}")
		body := buf.Bytes()
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
		zw.Write(body)
		if err := zw.Close(); err != nil {
			return fmt.Errorf("compress gbfs %s: %w", name, err)
		}
		tag := sha256.Sum256(body)
		etag := base64.RawURLEncoding.EncodeToString(tag[:18])
		next.bodies[name] = &Body{JSON: body, ETag: `"` + etag + `"`, Gzip: gz.Bytes(), GzipETag: `"` + etag + `-gz"`,
			LastUpdated: updated, RenderedAt: renderedAt, TTL: f.refresh}
	}
	f.current.Store(next)
	return nil
}

// changedAt is a feed's last_updated: when the data it shows last changed.
// The live feeds (and station_information, which lists the stations that
// have reported) move with the live state; the others with the catalogue.
// A body is a function of the data alone, so replicas behind one load
// balancer serve the same bytes and the same ETag.
func changedAt(snap Snapshot, feed string) time.Time {
	at := snap.CatalogueChangedAt
	switch feed {
	case FeedStationStatus, FeedVehicleStatus, FeedStationInformation:
		at = snap.ChangedAt
	}
	if at.IsZero() {
		return snap.At
	}
	return at
}

// Run refreshes the feeds every ttl until ctx ends, and sooner (at most
// every MinRefresh) when the Source is Versioned and its version moved. A
// failed refresh is logged and the previous bodies stay served.
func (f *Feeds) Run(ctx context.Context) error {
	versioned, _ := f.src.(Versioned)
	tick := f.refresh
	if versioned != nil {
		tick = min(f.minRefresh, f.refresh)
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	var seen int64
	var last time.Time
	for {
		if versioned != nil {
			seen = versioned.Version() // before reading, so no change is missed
		}
		last = time.Now()
		if err := f.Refresh(ctx); err != nil && ctx.Err() == nil {
			f.log.WarnContext(ctx, "gbfs refresh failed; serving the previous feeds", slog.Any("err", err))
		}
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
			if time.Since(last) >= f.refresh-tick/2 || (versioned != nil && versioned.Version() != seen) {
				break
			}
		}
	}
}

// Feed returns the rendered feed name (e.g. "station_status"); NotFound for a
// feed the hub does not publish, Unavailable when nothing could be rendered.
// It renders
// when nothing was rendered yet or the last rendering is older than two ttls
// (Run is not running or keeps failing); if that fails it serves the old
// bodies when it has any, else returns the error.
func (f *Feeds) Feed(ctx context.Context, name string) (*Body, error) {
	cur := f.current.Load()
	if cur == nil || f.now().Sub(cur.at) > 2*f.refresh {
		var err error
		if cur, err = f.renderNow(ctx, cur); cur == nil {
			return nil, err
		}
	}
	b, ok := cur.bodies[name]
	if !ok {
		return nil, apperr.R(apperr.NotFound, "no_feed", "There is no GBFS feed %q.", name)
	}
	return b, nil
}

// renderNow refreshes once for all waiting requests, and at most once a
// second while the source fails, so a broken database is not hammered.
func (f *Feeds) renderNow(ctx context.Context, seen *rendition) (*rendition, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if cur := f.current.Load(); cur != seen {
		return cur, nil // another request rendered meanwhile
	}
	unavailable := func(err error) error {
		return apperr.Wrap(err, apperr.Unavailable, "The bikesharing feeds are not available right now; retry in a few seconds.")
	}
	if f.lastErr != nil && f.now().Sub(f.lastTry) < time.Second {
		return seen, unavailable(f.lastErr)
	}
	if err := f.refreshLocked(ctx); err != nil {
		f.log.WarnContext(ctx, "gbfs refresh failed", slog.Any("err", err))
		return f.current.Load(), unavailable(err)
	}
	return f.current.Load(), nil
}
