package participation

import (
	"context"
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"time"

	"cityhub/csvcell"
)

// OpenLicence is the licence of participation's open data, as the hub's
// other open data.
const (
	OpenLicence    = "CC-BY-4.0"
	OpenLicenceURL = "https://creativecommons.org/licenses/by/4.0/"
)

// OpenData is the anonymous reports and proposals published for anyone to
// reuse: no account, no e-mail, a name only where its person chose to be
// named, nothing staff redacted, and only approved photos (by id).
type OpenData struct {
	Licence     string           `json:"license"`
	LicenceURL  string           `json:"license_url"`
	Publisher   string           `json:"publisher"`
	GeneratedAt time.Time        `json:"generated_at"`
	Reports     []PublicReport   `json:"reports"`
	Proposals   []PublicProposal `json:"proposals"`
	Counts      []ReportCount    `json:"counts"`
}

// OpenData gathers the open data: the newest MaxListLimit reports and
// proposals, and the counts of every report by contrada, category and
// status.
func (s *Service) OpenData(ctx context.Context) (OpenData, error) {
	od := OpenData{Licence: OpenLicence, LicenceURL: OpenLicenceURL, Publisher: s.set.Publisher, GeneratedAt: s.now().Truncate(time.Second)}
	var err error
	if od.Reports, err = s.PublicReports(ctx, PublicFilter{}); err != nil {
		return od, err
	}
	if od.Proposals, err = s.Proposals(ctx, "", 0); err != nil {
		return od, err
	}
	err = s.store.View(ctx, func(tx Tx) error {
		od.Counts, err = tx.CountReports(ctx)
		return err
	})
	if od.Counts == nil {
		od.Counts = []ReportCount{}
	}
	slices.SortFunc(od.Counts, func(a, b ReportCount) int {
		for _, c := range [][2]string{{a.Contrada, b.Contrada}, {a.Category, b.Category}, {a.Status, b.Status}} {
			if c[0] != c[1] {
				if c[0] < c[1] {
					return -1
				}
				return 1
			}
		}
		return 0
	})
	return od, err
}

func ftoa(f float64, ok bool) string {
	if !ok {
		return ""
	}
	return strconv.FormatFloat(f, 'f', 6, 64)
}

// WriteReportsCSV writes the open data's reports as CSV, one row each, the
// licence on every row.
func WriteReportsCSV(w io.Writer, od OpenData) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"id", "category", "status", "contrada", "lat", "lon", "address", "description", "name",
		"status_note", "merged_into", "created_at", "updated_at", "photos", "license"})
	for _, r := range od.Reports {
		_ = cw.Write([]string{r.ID, r.Category, r.Status, r.Contrada, ftoa(r.Lat, r.Located), ftoa(r.Lon, r.Located), csvcell.Text(r.Address),
			csvcell.Text(r.Description), csvcell.Text(r.Name), csvcell.Text(r.StatusNote), r.MergedInto, r.CreatedAt.Format(time.RFC3339),
			r.UpdatedAt.Format(time.RFC3339), strconv.Itoa(len(r.PhotoIDs)), od.Licence})
	}
	cw.Flush()
	return cw.Error()
}

// WriteProposalsCSV writes the open data's proposals as CSV.
func WriteProposalsCSV(w io.Writer, od OpenData) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"id", "title", "body", "author_name", "state", "threshold", "support_count", "answer", "answered_at", "created_at", "license"})
	for _, p := range od.Proposals {
		answered := ""
		if !p.AnsweredAt.IsZero() {
			answered = p.AnsweredAt.Format(time.RFC3339)
		}
		_ = cw.Write([]string{p.ID, csvcell.Text(p.Title), csvcell.Text(p.Body), csvcell.Text(p.AuthorName), p.State, strconv.Itoa(p.Threshold),
			strconv.Itoa(p.SupportCount), csvcell.Text(p.Answer), answered, p.CreatedAt.Format(time.RFC3339), od.Licence})
	}
	cw.Flush()
	return cw.Error()
}

// WriteCountsCSV writes the counts by contrada, category and status.
func WriteCountsCSV(w io.Writer, od OpenData) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"contrada", "category", "status", "count", "license"})
	for _, c := range od.Counts {
		_ = cw.Write([]string{c.Contrada, c.Category, c.Status, strconv.Itoa(c.Count), od.Licence})
	}
	cw.Flush()
	return cw.Error()
}
