package main

import (
	"context"
	"fmt"

	"cityhub/identity"
)

// demoPassword is every demo account's password. Demo data only: it is
// printed at start, and a hub that is not run as "demo" never creates these
// accounts.
const demoPassword = "cityhub-demo-2026"

// seedDemoAccounts creates (idempotently) one account per role for the
// demo: a citizen, an operator, an administrator, and, when the demo has
// them, staff of shopID and door staff of venueID. seedDemo calls it with
// the ids of the demo shop and venue and prints what it returns.
func (h *hub) seedDemoAccounts(ctx context.Context, shopID, venueID string) ([]demoLogin, error) {
	type demo struct {
		email, name string
		grant       identity.Grant
	}
	demos := []demo{
		{"cittadina@demo.cityhub.example", "Anna Esposito", identity.Grant{Role: identity.RoleCitizen}},
		{"operatore@demo.cityhub.example", "Marco Operatore", identity.Grant{Role: identity.RoleOperator}},
		{"admin@demo.cityhub.example", "Giulia Comune", identity.Grant{Role: identity.RoleAdmin}},
	}
	if shopID != "" {
		demos = append(demos, demo{"negozio@demo.cityhub.example", "Luca Negozio", identity.Grant{Role: identity.RoleMerchant, Scope: shopID}})
	}
	if venueID != "" {
		demos = append(demos, demo{"teatro@demo.cityhub.example", "Sara Teatro", identity.Grant{Role: identity.RoleDoor, Scope: venueID}})
	}
	var out []demoLogin
	for _, d := range demos {
		_, _, err := h.identity.EnsureAccount(ctx, identity.NewAccount{
			Email: d.email, Password: demoPassword, Name: d.name, Locale: "it", Grants: []identity.Grant{d.grant},
		})
		if err != nil {
			return nil, fmt.Errorf("demo account %s: %w", d.email, err)
		}
		out = append(out, demoLogin{Role: string(d.grant.Role), Email: d.email, Password: demoPassword})
	}
	return out, nil
}
