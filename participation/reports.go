package participation

import (
	"time"
)

// Report statuses. A report moves open → acknowledged → in_progress →
// fixed, or ends rejected (with a reason) or duplicate (merged into
// another); its reporter may reopen a fixed report within the reopen
// period.
const (
	StatusOpen         = "open"
	StatusAcknowledged = "acknowledged"
	StatusInProgress   = "in_progress"
	StatusFixed        = "fixed"
	StatusRejected     = "rejected"
	StatusDuplicate    = "duplicate"
)

// Statuses lists every status in the order a report passes them.
var Statuses = []string{StatusOpen, StatusAcknowledged, StatusInProgress, StatusFixed, StatusRejected, StatusDuplicate}

// ActiveStatuses are the statuses of reports still being worked.
var ActiveStatuses = []string{StatusOpen, StatusAcknowledged, StatusInProgress}

// Closed reports whether status ends the city's work on a report.
func Closed(status string) bool {
	return status == StatusFixed || status == StatusRejected || status == StatusDuplicate
}

// next lists the statuses staff may move a report to from each status.
var next = map[string][]string{
	StatusOpen:         {StatusAcknowledged, StatusInProgress, StatusFixed, StatusRejected, StatusDuplicate},
	StatusAcknowledged: {StatusInProgress, StatusFixed, StatusRejected, StatusDuplicate},
	StatusInProgress:   {StatusAcknowledged, StatusFixed, StatusRejected, StatusDuplicate},
}

// Change kinds recorded for a report.
const (
	ChangeCreated  = "created"
	ChangeStatus   = "status"
	ChangeReopened = "reopened"
	ChangeMerged   = "merged"
	ChangeRedacted = "redacted"
	ChangePhoto    = "photo"
)

// What a redaction change goes from and to (Change.From, Change.To):
// the report's personal data shown to the public, or hidden from it.
// A photo change goes from one photo state to another (PhotoPending,
// PhotoApproved, PhotoHidden) and names the photo (Change.PhotoID).
// Redaction and photo changes recorded before they said so have neither.
const (
	RedactionShown  = "shown"
	RedactionHidden = "hidden"
)

// Report is a problem a citizen (or a third-party app for one) reported.
type Report struct {
	ID string `json:"id"`
	// Token is the Open311 token a third-party app may look the report up by.
	Token    string `json:"token"`
	Category string `json:"category"`
	OfficeID string `json:"office_id"`
	// Located says Lat and Lon are set; a report may have only an address.
	Located     bool    `json:"located"`
	Lat         float64 `json:"lat,omitempty"`
	Lon         float64 `json:"lon,omitempty"`
	Address     string  `json:"address,omitempty"`
	Contrada    string  `json:"contrada,omitempty"`
	Description string  `json:"description"`
	// ReporterID is the citizen's account ("" for a report from an app
	// without one); ReporterName and ReporterEmail are how to address them.
	ReporterID    string `json:"reporter_id,omitempty"`
	ReporterName  string `json:"reporter_name,omitempty"`
	ReporterEmail string `json:"reporter_email,omitempty"`
	// PublicName says the reporter chose to show their name to the public.
	PublicName bool `json:"public_name"`
	// Redacted says staff hid the description and name from the public
	// (personal data in them).
	Redacted   bool      `json:"redacted"`
	Status     string    `json:"status"`
	StatusNote string    `json:"status_note,omitempty"`
	MergedInto string    `json:"merged_into,omitempty"`
	Source     string    `json:"source"`
	Locale     string    `json:"locale"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// ReopenedNote is the public status note of a report its reporter
// reopened, in Italian as the offices write their notes;
// ReopenedNoteEN is its English twin, for pages and feeds that answer in
// English. The reporter's reason stays in the change record.
const (
	ReopenedNote   = "Riaperta dalla persona che l'ha segnalata."
	ReopenedNoteEN = "Reopened by the person who reported it."
)

// Change is one recorded change of a report.
type Change struct {
	ID       int64     `json:"id"`
	ReportID string    `json:"report_id"`
	At       time.Time `json:"at"`
	ActorID  string    `json:"actor_id,omitempty"`
	Kind     string    `json:"kind"`
	// From and To are the statuses a status change, reopening or merge
	// moved the report between; for a redaction, RedactionShown or
	// RedactionHidden; for a photo moderation, the photo's states.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// PhotoID is the photo a photo moderation approved or hid.
	PhotoID string `json:"photo_id,omitempty"`
	// Note is what the change said: the office's note, which is also the
	// report's public status note, or the reporter's reason for reopening,
	// which only the reporter and staff read (the public note is then
	// ReopenedNote).
	Note string `json:"note,omitempty"`
}

// StatusChange says whether ch moved the report's status (its From and
// To are statuses): a redaction's or a photo's are not.
func (ch Change) StatusChange() bool {
	switch ch.Kind {
	case ChangeStatus, ChangeReopened, ChangeMerged, ChangeCreated:
		return true
	}
	return false
}
