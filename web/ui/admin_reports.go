package ui

import (
	"context"
	"net/http"
	"sort"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/ticketing"
	"cityhub/vouchers"
	"cityhub/wallet"
	"cityhub/web/httpx"
)

// The ledger and reports page: the ledger's self-check as words and tables
// (the same check the JSON API gives as /api/v1/admin/ledger/check), and
// three charts: a campaign's redemptions per district over the last weeks,
// bike rides per day, and tickets sold per performance. Every number comes
// from a domain read method; the page only lays them out.

// LedgerChecker gives the ledger's latest self-check, run anew when the
// latest is older than maxAge; wallet.Service implements it.
type LedgerChecker interface {
	LatestCheck(ctx context.Context, maxAge time.Duration) (wallet.CheckedAt, error)
}

// reportCheckAge is how old a ledger check the reports page shows. Every
// hub checks in the background every wallet.CheckEvery, so a page never
// runs its own (a second and a half at a million entries) unless asked to
// (the form that posts to /admin/reports/recheck) or the hub has just
// started.
const reportCheckAge = wallet.CheckEvery + wallet.CheckEvery/2

// staffPages are the city administrator's dashboard and the pages that
// span areas (reports, card refunds live with the theatre).
type staffPages struct {
	*site
	vouchers  *vouchers.Service
	mobility  *mobility.Service
	ticketing *ticketing.Service
	ledger    LedgerChecker
	// accounts reads one ledger account for its page; nil without a
	// wallet (the page is not routed then).
	accounts PageWallet
	topUps   TopUpRefunds
	// events lists the Stripe events kept for an operator; nil when card
	// payments are off (the webhook is not routed either).
	events PaymentEvents
	outbox bool
	// mux tells the dashboard which other areas' pages exist (accounts,
	// participation), so it links only to pages that answer.
	mux *http.ServeMux
}

// reportDays is how far back the charts over time go.
const reportDays = 30

type reportsPage struct {
	Ledger    *ledgerView
	LedgerErr string
	// Accounts offers the page of one ledger account (found by its id),
	// and links the city's own accounts.
	Accounts     bool
	CityAccounts []wallet.AccountID
	// Campaigns to choose from, and the chosen one's chart.
	Campaigns  []vouchers.Campaign
	Campaign   string
	Uptake     *barChart
	UptakeRows []uptakeRow
	Rides      *barChart
	RideRows   []mobility.DayCount
	Sales      *barChart
	SalesRows  []salesRow
}

type ledgerView struct {
	wallet.LedgerCheck
	OK bool
	At time.Time
}

type uptakeRow struct {
	Day         time.Time
	District    string
	Count       int
	AmountCents int64
}

type salesRow struct {
	Title    string
	StartsAt time.Time
	Sold     int
	Seats    int
	Revenue  int64
	// Cancelled marks a cancelled performance, whose seats are no longer
	// for sale: none counts as not sold.
	Cancelled bool
}

// handleReportsRecheck runs the ledger's self-check anew, then shows the
// reports page, which finds it fresh. It is a form's POST, not a link: a
// check reads the whole ledger and records what it found, which a link
// that a prefetcher, a crawler or another site's page could follow must
// not start.
func (s *staffPages) handleReportsRecheck(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	if s.ledger != nil {
		if _, err := s.ledger.LatestCheck(r.Context(), 0); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	http.Redirect(w, r, "/admin/reports#ledger", http.StatusSeeOther)
}

func (s *staffPages) handleReports(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	// A link naming two campaigns for the chart chose none.
	if err := httpx.Once(r.URL.Query(), "campaign"); err != nil {
		s.pagingRefused(w, r, err, "/admin/reports")
		return
	}
	ctx := r.Context()
	l := s.locale(r)
	page := reportsPage{Accounts: s.accounts != nil}
	if page.Accounts {
		page.CityAccounts = []wallet.AccountID{wallet.CityFunding, wallet.StripeClearing, wallet.StripeDisputes, wallet.RevenueBikeshare, wallet.RevenueTheatre}
	}
	if s.ledger != nil {
		chk, err := s.ledger.LatestCheck(ctx, reportCheckAge)
		if err != nil {
			page.LedgerErr = l.ErrorText(err)
		} else {
			page.Ledger = &ledgerView{LedgerCheck: chk.LedgerCheck, OK: chk.OK(), At: chk.At}
		}
	}
	now := time.Now().In(s.zone)
	since := now.AddDate(0, 0, -(reportDays - 1))
	if s.vouchers != nil {
		if err := s.uptakeChart(ctx, c, l, r.URL.Query().Get("campaign"), since, now, &page); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	if s.mobility != nil {
		days, err := s.mobility.RidesPerDay(ctx, c, since, now, s.zone)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		page.RideRows = days
		groups := make([]chartGroup, len(days))
		total := 0
		for i, d := range days {
			groups[i] = chartGroup{Label: l.DayMonth(d.Day), Values: []int{d.Count}}
			total += d.Count
		}
		ch := buildBarChart("rides", l.T("staff.reports.rides.title", reportDays), ridesDesc(l, total), []string{l.T("staff.reports.rides.series")}, groups)
		page.Rides = &ch
	}
	if s.ticketing != nil {
		// From the start of the first day, as the other charts count.
		sales, err := s.ticketing.SalesFrom(ctx, c, time.Date(since.Year(), since.Month(), since.Day(), 0, 0, 0, 0, s.zone))
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		var groups []chartGroup
		for _, ps := range sales {
			p, st := ps.Performance, ps.Sales
			cancelled := p.Status == ticketing.PerformanceCancelled
			page.SalesRows = append(page.SalesRows, salesRow{Title: p.Title, StartsAt: p.StartsAt, Sold: st.Sold, Seats: st.Seats, Revenue: st.RevenueCents, Cancelled: cancelled})
			g := chartGroup{Label: p.Title, Values: []int{st.Sold, max(st.Seats-st.Sold, 0)}}
			if cancelled {
				g = chartGroup{Label: l.T("staff.reports.sales.cancelled", p.Title), Values: []int{st.Sold, 0}}
			}
			groups = append(groups, g)
		}
		ch := buildBarChart("sales", l.T("staff.reports.sales.title", reportDays), salesDesc(l, len(sales)),
			[]string{l.T("tadmin.sold"), l.T("staff.reports.sales.unsold")}, groups)
		page.Sales = &ch
	}
	s.render(w, r, http.StatusOK, "admin_reports", "admin", page)
}

// uptakeChart draws the chosen campaign's (else the newest's that is not
// a draft) redemptions per day, stacked by the shops' districts. Drafts
// are not offered: nobody can redeem one, so its chart is always empty
// (one a link names is shown all the same).
func (s *staffPages) uptakeChart(ctx context.Context, c identity.Caller, l *locale, chosen string, since, now time.Time, page *reportsPage) error {
	all, err := s.vouchers.Campaigns(ctx)
	if err != nil {
		return err
	}
	camps := all[:0:0]
	for _, camp := range all {
		if camp.Status != vouchers.StatusDraft || camp.ID == chosen {
			camps = append(camps, camp)
		}
	}
	if len(camps) == 0 {
		if chosen != "" {
			return apperr.R(apperr.NotFound, "campaign_not_found", "No such campaign.")
		}
		return nil
	}
	page.Campaigns = camps
	page.Campaign = camps[0].ID // Campaigns lists the newest first
	var name string
	found := chosen == ""
	for _, camp := range camps {
		if camp.ID == chosen {
			page.Campaign, found = chosen, true
		}
	}
	// A link to a campaign that is not there (mistyped, or of another
	// city's hub) says so, where it showed the newest under its address.
	if !found {
		return apperr.R(apperr.NotFound, "campaign_not_found", "No such campaign.")
	}
	for _, camp := range camps {
		if camp.ID == page.Campaign {
			name = camp.Name
		}
	}
	parts, err := s.vouchers.UptakeByDay(ctx, c, page.Campaign, since)
	if err != nil {
		return err
	}
	districtSet := map[string]bool{}
	for _, p := range parts {
		districtSet[p.District] = true
		page.UptakeRows = append(page.UptakeRows, uptakeRow{Day: p.Day, District: p.District, Count: p.Count, AmountCents: p.AmountCents})
	}
	districts := make([]string, 0, len(districtSet))
	for d := range districtSet {
		districts = append(districts, d)
	}
	sort.Strings(districts)
	col := map[string]int{}
	for i, d := range districts {
		col[d] = i
	}
	start := time.Date(since.Year(), since.Month(), since.Day(), 0, 0, 0, 0, s.zone)
	var groups []chartGroup
	index := map[string]int{}
	for d := start; !d.After(now); d = d.AddDate(0, 0, 1) {
		index[d.Format(time.DateOnly)] = len(groups)
		groups = append(groups, chartGroup{Label: l.DayMonth(d), Values: make([]int, len(districts))})
	}
	total := 0
	for _, p := range parts {
		if i, ok := index[p.Day.In(s.zone).Format(time.DateOnly)]; ok {
			groups[i].Values[col[p.District]] += p.Count
			total += p.Count
		}
	}
	// The legend names the districts in the reader's language.
	names := make([]string, len(districts))
	for i, d := range districts {
		names[i] = l.Place("district", d)
	}
	ch := buildBarChart("uptake", l.T("staff.reports.uptake.title", name), uptakeDesc(l, total, len(districts)), names, groups)
	page.Uptake = &ch
	return nil
}

// The charts' descriptions count things, and read right for one of them
// as for many ("1 ride", "1 voucher used in 1 district").

func ridesDesc(l *locale, rides int) string {
	return l.TN("staff.reports.rides.desc", rides, reportDays)
}

func salesDesc(l *locale, performances int) string {
	return l.TN("staff.reports.sales.desc", performances, reportDays)
}

func uptakeDesc(l *locale, vouchers, districts int) string {
	return l.T("staff.reports.uptake.desc", l.TN("staff.reports.uptake.vouchers", vouchers), l.TN("staff.reports.uptake.districts", districts), reportDays)
}
