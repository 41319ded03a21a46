package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/web/httpx"
)

// tillShop is the shop the caller redeems or reverses for (vouchers.ShopOf)
// from the request's ?shop=, given once: named twice it is Invalid
// (shop_required), as in the API, since the redemption would otherwise go
// to whichever came first, in words asking for one shop (givenTwice),
// where the words for shop_required tell staff of several shops to
// choose, which the staff of one are not.
func tillShop(r *http.Request, c identity.Caller) (string, error) {
	requested, err := requestedShop(r)
	if err != nil {
		return "", err
	}
	return vouchers.ShopOf(c, requested)
}

// requestedShop is the request's ?shop= ("" when none), read once by every
// page that takes it: named twice, alike or not, it is refused as tillShop
// refuses it (givenTwice), where the page would show the first.
func requestedShop(r *http.Request) (string, error) {
	requested, err := httpx.Choice(r.URL.Query(), "shop", "shop_required")
	if err != nil {
		return "", givenTwice{err: err, words: "error.twice.shop"}
	}
	return requested, nil
}

// shopNamedTwice reports whether err refuses a shop named more than once.
func shopNamedTwice(err error) bool {
	var g givenTwice
	return errors.As(err, &g) && g.words == "error.twice.shop"
}

// givenTwice is httpx.Choice's refusal of a choice given more than once,
// with the pages' own words for it (the catalogue's key words), which ask
// for one choice: the words for the parameter's reason are those of its
// other refusal (no shop chosen among several; a credit that cannot go
// back to a card), which a repeated choice is not. Its code and reason
// stay the refusal's, as the API gives them.
type givenTwice struct {
	err   error
	words string
}

func (g givenTwice) Error() string { return g.err.Error() }
func (g givenTwice) Unwrap() error { return g.err }

// shopChooser lets staff of several shops say which one they work at: the
// scanner and the shop's voucher page show it at the top, and ask for the
// choice before anything else (staff of one shop never see it).
type shopChooser struct {
	// Action is the page the choice is sent to, as ?shop=.
	Action string
	// Shops are the caller's shops, by name.
	Shops []vouchers.Shop
	// Chosen is the shop the page works for; nil until one is chosen.
	Chosen *vouchers.Shop
}

// Several reports whether there is anything to choose from: the chooser
// is shown only then.
func (ch *shopChooser) Several() bool { return len(ch.Shops) > 1 }

// chooseShop is the chooser for the caller on the page at action, with
// requested (?shop=) chosen: nil for staff granted one shop, whose shop
// needs no choosing. Staff granted several of which one is left (the others
// gone, or one granted twice) have it chosen for them. A requested shop
// that is not the caller's is refused (Forbidden, not_your_shop) as every
// redemption there would be; staff whose every shop is gone are told so
// (NotFound, shop_not_found).
func chooseShop(ctx context.Context, svc *vouchers.Service, c identity.Caller, action, requested string) (*shopChooser, error) {
	if requested != "" {
		if _, err := vouchers.ShopOf(c, requested); err != nil {
			return nil, err
		}
	}
	if svc == nil || len(c.Scopes(identity.RoleMerchant)) < 2 {
		return nil, nil
	}
	shops, err := svc.MyShops(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("list the staff's shops: %w", err)
	}
	ch := &shopChooser{Action: action, Shops: shops}
	switch {
	case len(shops) == 0:
		return nil, apperr.R(apperr.NotFound, "shop_not_found", "No such shop.")
	case len(shops) == 1 && requested == "":
		requested = shops[0].ID
	case requested == "":
		return ch, nil
	}
	for i := range shops {
		if shops[i].ID == requested {
			ch.Chosen = &shops[i]
			return ch, nil
		}
	}
	return nil, apperr.R(apperr.NotFound, "shop_not_found", "No such shop.")
}
