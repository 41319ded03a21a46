package staffpages

import (
	"context"
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"

	"cityhub/identity"
	"cityhub/ticketing"
	"cityhub/vouchers"
)

// staffForms walks the staff forms TestStaffTools does not fill itself,
// each as the issue asks of every staff form: a mistake comes back next to
// its field with what was typed, Italian numbers are taken, and what is
// hard to undo asks first. The administrator is signed in.
func staffForms(f *flow, vs *vouchers.Service, tix *ticketing.Service) {
	shopForm(f, vs)
	closeCampaign(f, vs)
	theatreForms(f, tix)
}

// typedValues reads the values of the inputs named by CSS selector.
func (f *flow) typedValues(sels ...string) []string {
	f.T.Helper()
	var out []string
	for _, sel := range sels {
		var v string
		f.Eval(fmt.Sprintf(`document.querySelector(%q).value`, sel), &v)
		out = append(out, v)
	}
	return out
}

// fieldError fails unless the field sel is marked invalid with a message
// next to it (its data-field-error element, within form).
func (f *flow) fieldError(form, field, sel string) string {
	f.T.Helper()
	msg := f.Text(fmt.Sprintf(`%s [data-field-error=%q]`, form, field))
	if msg == "" || f.Attr(sel, "aria-invalid") != "true" {
		f.T.Fatalf("%s: no message next to %s", form, field)
	}
	return msg
}

// shopForm registers a shop twice: the second registration, under another
// letter case and spacing, comes back with the refusal next to the name and
// every field as typed; another name is then registered.
func shopForm(f *flow, vs *vouchers.Service) {
	t, ctx := f.T, context.Background()
	if st := f.Open("/admin/vouchers"); st != 200 {
		t.Fatalf("vouchers page: %d", st)
	}
	fields := []string{"#s-name", "#s-address", "#s-district", "#s-category", "#s-iban"}
	typed := []string{"LIBRERIA  masone", "corso garibaldi 1, benevento", "centro", "books", "IT60X0542811101000000123456"}
	steps := []chromedp.Action[chromedp.Void]{}
	for i, sel := range fields {
		steps = append(steps, chromedp.SetValue(chromedp.CSS(sel), typed[i]))
	}
	if st := f.Submit(append(steps, chromedp.Click(chromedp.CSS(`#new-shop button[type=submit]`)))...); st != 409 {
		t.Fatalf("a shop registered twice: %d", st)
	}
	f.fieldError("#new-shop", "name", "#s-name")
	if got := f.typedValues(fields...); strings.Join(got, "|") != strings.Join(typed, "|") {
		t.Fatalf("the shop form came back as %q, typed %q", got, typed)
	}
	f.page("staff-shop-form-error")
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#s-name"), "Libreria Masone Ragazzi"),
		chromedp.Click(chromedp.CSS(`#new-shop button[type=submit]`)),
	); st != 200 {
		t.Fatalf("the corrected shop: %d", st)
	}
	if shops, _ := vs.Shops(ctx, vouchers.ShopFilter{}); len(shops) != 2 {
		t.Fatalf("shops after the form: %+v", shops)
	}
}

// closeCampaign closes the draft campaign the walk created: the row's
// button leads to a page that says what closing does, and nothing is
// closed until it is confirmed.
func closeCampaign(f *flow, vs *vouchers.Service) {
	t, ctx := f.T, context.Background()
	var draft vouchers.Campaign
	camps, err := vs.Campaigns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range camps {
		if c.Status == vouchers.StatusDraft {
			draft = c
		}
	}
	if draft.ID == "" {
		t.Fatalf("no draft campaign among %+v", camps)
	}
	status := func() string {
		u, err := vs.CampaignUptake(ctx, identity.Caller{AccountID: "acc_seed", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}, draft.ID)
		if err != nil {
			t.Fatal(err)
		}
		return u.Status
	}
	f.Open("/admin/vouchers")
	if st := f.Submit(chromedp.Click(chromedp.CSS(fmt.Sprintf(`tr[data-campaign=%q] button[data-action=close]`, draft.ID)))); st != 200 {
		t.Fatalf("close: %d", st)
	}
	if got := f.Text(`[data-testid="confirm-facts"]`); !strings.Contains(got, "0,00") {
		t.Fatalf("the close confirmation shows %q", got)
	}
	f.page("staff-campaign-close-confirm")
	if s := status(); s != vouchers.StatusDraft {
		t.Fatalf("the campaign is %s before the confirmation", s)
	}
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-testid="confirm-button"]`))); st != 200 {
		t.Fatalf("confirm close: %d", st)
	}
	if s := status(); s != vouchers.StatusClosed {
		t.Fatalf("the confirmed close left the campaign %s", s)
	}
}

// theatreForms fills the theatre page's forms: a venue without an address,
// a seat map line without its category and a price that is no amount each
// come back next to their field as typed; then the venue, its seats and a
// performance priced "1.000,00" are made.
func theatreForms(f *flow, tix *ticketing.Service) {
	t, ctx := f.T, context.Background()
	if st := f.Open("/admin/theatre"); st != 200 {
		t.Fatalf("theatre page: %d", st)
	}
	// A venue.
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#v-name"), "Teatro De Simone"),
		chromedp.Click(chromedp.CSS(`#new-venue button[type=submit]`)),
	); st != 400 {
		t.Fatalf("venue without address: %d", st)
	}
	f.fieldError("#new-venue", "address", "#v-address")
	if got := f.typedValues("#v-name"); got[0] != "Teatro De Simone" {
		t.Fatalf("the venue form lost the name: %q", got)
	}
	f.page("staff-venue-form-error")
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#v-address"), "Piazza Santa Sofia, Benevento"),
		chromedp.Click(chromedp.CSS(`#new-venue button[type=submit]`)),
	); st != 200 {
		t.Fatalf("venue: %d", st)
	}
	var venue ticketing.Venue
	vs, _ := tix.Venues(ctx)
	for _, v := range vs {
		if v.Name == "Teatro De Simone" {
			venue = v
		}
	}
	if venue.ID == "" || f.Text(`[data-testid="done"]`) != "Sala creata." {
		t.Fatalf("the new venue: %+v, among %+v", venue, vs)
	}

	// Its seats.
	rows := fmt.Sprintf("#rows-%s", venue.ID)
	form := fmt.Sprintf("#venue-%s", venue.ID)
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS(rows), "Platea A 1-10 platea\nPlatea B 1-10"),
		chromedp.Click(chromedp.CSS(form+` button[type=submit]`)),
	); st != 400 {
		t.Fatalf("a seat line without category: %d", st)
	}
	if msg := f.fieldError(form, "rows", rows); !strings.Contains(msg, "2") {
		t.Fatalf("the seat map message does not name the line: %q", msg)
	}
	if got := f.typedValues(rows); got[0] != "Platea A 1-10 platea\nPlatea B 1-10" {
		t.Fatalf("the seat map came back as %q", got)
	}
	f.page("staff-seats-form-error")
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS(rows), "Platea A 1-10 platea\nPlatea B 1-10 platea"),
		chromedp.Click(chromedp.CSS(form+` button[type=submit]`)),
	); st != 200 {
		t.Fatalf("seat map: %d", st)
	}
	if seats, err := tix.Seats(ctx, venue.ID); err != nil || len(seats) != 20 {
		t.Fatalf("seats after the form: %d, %v", len(seats), err)
	}

	// A performance: a price that is no amount, then "1.000,00".
	perf := []chromedp.Action[chromedp.Void]{
		chromedp.SetValue(chromedp.CSS("#p-venue_id"), venue.ID),
		chromedp.SetValue(chromedp.CSS("#p-title"), "La Gatta Cenerentola"),
		chromedp.SetValue(chromedp.CSS("#p-starts_at"), "2099-12-31T20:30"),
		chromedp.SetValue(chromedp.CSS("#p-self_cancel_hours"), "24"),
		chromedp.SetValue(chromedp.CSS("#p-prices"), "platea venti euro"),
		chromedp.Click(chromedp.CSS(`#new-performance button[type=submit]`)),
	}
	if st := f.Submit(perf...); st != 400 {
		t.Fatalf("a price that is no amount: %d", st)
	}
	f.fieldError("#new-performance", "prices", "#p-prices")
	typed := f.typedValues("#p-venue_id", "#p-title", "#p-starts_at", "#p-self_cancel_hours", "#p-prices")
	if strings.Join(typed, "|") != venue.ID+"|La Gatta Cenerentola|2099-12-31T20:30|24|platea venti euro" {
		t.Fatalf("the performance form came back as %q", typed)
	}
	f.page("staff-performance-form-error")
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#p-prices"), "platea 1.000,00"),
		chromedp.Click(chromedp.CSS(`#new-performance button[type=submit]`)),
	); st != 200 {
		t.Fatalf("performance with 1.000,00: %d", st)
	}
	ps, err := tix.AllPerformances(ctx, identity.Caller{AccountID: "acc_seed", Grants: []identity.Grant{{Role: identity.RoleAdmin}}})
	if err != nil {
		t.Fatal(err)
	}
	var made *ticketing.Performance
	for i := range ps {
		if ps[i].Title == "La Gatta Cenerentola" {
			made = &ps[i]
		}
	}
	if made == nil || made.VenueID != venue.ID || made.Prices["platea"] != 100000 || made.SelfCancelHours == nil || *made.SelfCancelHours != 24 {
		t.Fatalf("the performance the form made: %+v", made)
	}
	f.page("staff-theatre-done")
}
