package ui

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/money"
	"cityhub/vouchers"
	"cityhub/web/api"
)

// The city administrator's voucher page: campaigns with live uptake and
// their open/pause/close buttons, shops with what the city owes each and a
// button closing its settlement period, statements with CSV and "paid".

type voucherAdminPage struct {
	Campaigns   []adminCampaignRow
	Shops       []adminShopRow
	Settlements []adminSettlementRow
	// FormKey makes a double press of a settle button one request.
	FormKey string
}

type adminCampaignRow struct {
	vouchers.Uptake
	Actions []string
}

type adminShopRow struct {
	vouchers.Shop
	OwedCents int64
}

type adminSettlementRow struct {
	vouchers.Settlement
	ShopName string
}

var campaignActions = map[string][]string{
	vouchers.StatusDraft:  {"open", "close"},
	vouchers.StatusOpen:   {"pause", "close"},
	vouchers.StatusPaused: {"open", "close"},
}

// handleVoucherAdminPage shows the voucher scheme to a city administrator.
func (s *voucherPages) handleVoucherAdminPage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	ctx := r.Context()
	page := voucherAdminPage{FormKey: ids.Token(12)}
	camps, err := s.vouchers.Campaigns(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, camp := range camps {
		u, err := s.vouchers.CampaignUptake(ctx, c, camp.ID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		page.Campaigns = append(page.Campaigns, adminCampaignRow{Uptake: u, Actions: campaignActions[camp.Status]})
	}
	shops, err := s.vouchers.Shops(ctx, vouchers.ShopFilter{})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	names := map[string]string{}
	for _, sh := range shops {
		b, err := s.vouchers.ShopBalance(ctx, c, sh.ID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		names[sh.ID] = sh.Name
		page.Shops = append(page.Shops, adminShopRow{Shop: sh, OwedCents: b.OwedCents})
	}
	sts, err := s.vouchers.Statements(ctx, c, "")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, st := range sts {
		page.Settlements = append(page.Settlements, adminSettlementRow{Settlement: st, ShopName: names[st.ShopID]})
	}
	s.render(w, r, http.StatusOK, "voucher_admin", "admin", page)
}

func formList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// handleVoucherAdminCreateCampaign creates a draft campaign from the form.
func (s *voucherPages) handleVoucherAdminCreateCampaign(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	camp, err := campaignFromForm(r, s.vouchers)
	if err == nil {
		_, err = s.vouchers.CreateCampaign(r.Context(), c, camp)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/vouchers#campaigns", http.StatusSeeOther)
}

// campaignFromForm reads the new campaign form; svc reads its days in the
// city's time zone.
func campaignFromForm(r *http.Request, svc *vouchers.Service) (vouchers.Campaign, error) {
	var camp vouchers.Campaign
	var err error
	for _, a := range []struct {
		name     string
		dst      *int64
		optional bool
	}{{"budget", &camp.BudgetCents, false}, {"face_value", &camp.FaceValueCents, false}, {"min_spend", &camp.MinSpendCents, true}} {
		v := r.PostFormValue(a.name)
		if v == "" && a.optional {
			continue
		}
		cents, err := money.Parse(v)
		if err != nil {
			return camp, fmt.Errorf("%s: %w", a.name, err)
		}
		*a.dst = int64(cents)
	}
	for _, f := range []struct {
		name string
		dst  *int
		def  int
	}{{"percent_off", &camp.PercentOff, 0}, {"per_citizen_limit", &camp.PerCitizenLimit, 1}} {
		v := strings.TrimSpace(r.PostFormValue(f.name))
		if v == "" {
			*f.dst = f.def
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return camp, apperr.R(apperr.Invalid, f.name, "%s must be a whole number.", f.name)
		}
		*f.dst = n
	}
	if camp.ValidFrom, err = svc.ParseDay(r.PostFormValue("valid_from"), false); err != nil {
		return camp, err
	}
	if camp.ValidUntil, err = svc.ParseDay(r.PostFormValue("valid_until"), true); err != nil {
		return camp, err
	}
	camp.Name, camp.Mode = r.PostFormValue("name"), r.PostFormValue("mode")
	camp.Districts, camp.Categories = formList(r.PostFormValue("districts")), formList(r.PostFormValue("categories"))
	return camp, nil
}

// handleVoucherAdminCampaignStatus opens, pauses or closes a campaign.
func (s *voucherPages) handleVoucherAdminCampaignStatus(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	status, ok := map[string]string{"open": vouchers.StatusOpen, "pause": vouchers.StatusPaused, "close": vouchers.StatusClosed}[r.PathValue("action")]
	if !ok {
		s.pageError(w, r, apperr.R(apperr.NotFound, "no_such_action", "No such action."))
		return
	}
	if _, err := s.vouchers.SetCampaignStatus(r.Context(), c, r.PathValue("id"), status); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/vouchers#campaigns", http.StatusSeeOther)
}

// handleVoucherAdminCreateShop registers a shop from the form.
func (s *voucherPages) handleVoucherAdminCreateShop(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	_, err := s.vouchers.CreateShop(r.Context(), c, vouchers.Shop{Name: r.PostFormValue("name"), Address: r.PostFormValue("address"),
		District: r.PostFormValue("district"), Category: r.PostFormValue("category"), IBAN: r.PostFormValue("iban")})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/vouchers#shops", http.StatusSeeOther)
}

// handleVoucherAdminSettle closes a shop's settlement period now.
func (s *voucherPages) handleVoucherAdminSettle(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	shopID := r.PathValue("id")
	key := r.PostFormValue("key")
	if key == "" {
		key = ids.Token(12)
	}
	if _, _, err := s.vouchers.CloseSettlement(r.Context(), c, "page:"+key+":"+shopID, shopID, zeroTime); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/vouchers#settlements", http.StatusSeeOther)
}

// handleVoucherAdminMarkPaid records the payment of a statement.
func (s *voucherPages) handleVoucherAdminMarkPaid(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	id := r.PathValue("id")
	if _, _, err := s.vouchers.MarkPaid(r.Context(), c, "page-paid:"+id, id, r.PostFormValue("payment_ref")); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/vouchers#settlements", http.StatusSeeOther)
}

// zeroTime asks CloseSettlement for a period that ends now.
var zeroTime time.Time

// handleVoucherAdminAddStaff gives a shop a staff account from the form.
func (s *voucherPages) handleVoucherAdminAddStaff(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	_, err := api.AddShopStaff(r, s.identity, s.vouchers, c, r.PathValue("id"), api.ShopStaffRequest{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"),
		Password: r.PostFormValue("password"), Locale: s.locale(r).Lang})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/vouchers#shops", http.StatusSeeOther)
}
