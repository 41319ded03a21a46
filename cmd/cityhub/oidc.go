package main

import (
	"fmt"
	"log/slog"
	"strings"

	"cityhub/config"
	"cityhub/oidclogin"
)

// oidcCallbackPath is the pages' SPID/CIE callback; its full URL is the
// redirect URI registered at the provider.
const oidcCallbackPath = "/login/oidc/callback"

// newOIDC builds the relying party of the city's SPID/CIE gateway, or nil
// when none is configured. The provider is not contacted here, so the hub
// starts while it is down (`cityhub check` probes it).
func newOIDC(cfg config.Config, log *slog.Logger) (*oidclogin.RP, error) {
	if cfg.OIDCIssuer == "" {
		return nil, nil
	}
	c := oidclogin.Config{Issuer: cfg.OIDCIssuer, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret,
		RedirectURL: strings.TrimRight(cfg.PublicURL, "/") + oidcCallbackPath, Scopes: cfg.OIDCScopes,
		Claims: oidclogin.ClaimNames{FiscalCode: cfg.OIDCClaimFiscalCode, GivenName: cfg.OIDCClaimGivenName,
			FamilyName: cfg.OIDCClaimFamilyName, Email: cfg.OIDCClaimEmail}}
	if cfg.OIDCPrivateKeyFile != "" {
		pem, err := oidclogin.ReadPrivateKeyFile(cfg.OIDCPrivateKeyFile)
		if err != nil {
			return nil, err
		}
		c.PrivateKeyPEM = pem
	}
	rp, err := oidclogin.New(c, log)
	if err != nil {
		return nil, fmt.Errorf("configure the SPID/CIE login: %w", err)
	}
	return rp, nil
}
