package config

import (
	"fmt"
	"strings"
)

// Summary lists the configuration for the start-up log. Secrets show only
// whether they are set, and every URL goes through Redact.
func (c Config) Summary() []any {
	db := "embedded sqlite in " + c.DataDir
	if c.DatabaseURL != "" {
		db = Redact(c.DatabaseURL)
	}
	smtp := "(unset: e-mails stay in the outbox)"
	if c.SMTPURL != "" {
		smtp = Redact(c.SMTPURL)
	}
	broker := "embedded broker on " + c.MQTTBrokerAddr
	if c.MQTTURL != "" {
		broker = Redact(c.MQTTURL)
	}
	kek := "(unset)"
	if len(c.KeyEncryptionKeys) > 0 {
		kek = fmt.Sprintf("(set, %d)", len(c.KeyEncryptionKeys))
	}
	return []any{
		"http_addr", c.HTTPAddr, "public_url", Redact(c.PublicURL), "database", db, "mqtt", broker,
		"mqtt_username", c.MQTTUsername, "mqtt_password", secretState(c.MQTTPassword),
		"instance_id", c.InstanceID, "mqtt_topic_root", c.MQTTTopicRoot, "mqtt_share_group", c.MQTTShareGroup, "mqtt_broker_auth", c.MQTTBrokerAuth,
		"stripe_secret_key", secretState(c.StripeSecretKey), "stripe_webhook_secret", secretState(c.StripeWebhookSecret),
		"stripe_api_url", Redact(c.StripeAPIURL), "stripe_webhook_tolerance", c.StripeWebhookTolerance.String(), "test_payments", c.TestPayments,
		"signing_keys", secretState(c.SigningKeys), "key_encryption_key", kek,
		"trusted_proxies", fmt.Sprint(c.TrustedProxies), "access_token_ttl", c.AccessTokenTTL.String(),
		"refresh_token_ttl", c.RefreshTokenTTL.String(),
		"login_limits", fmt.Sprintf("%d per account and address, %d per account from new addresses, %d per address, in %s",
			c.LoginLimitAccountIP, c.LoginLimitAccount, c.LoginLimitIP, c.LoginWindow),
		"signup_and_mail_limits", fmt.Sprintf("%d sign-ups per address, %d account e-mails per e-mail address, %d per address, per hour",
			c.SignupLimitIP, c.MailLimitAddress, c.MailLimitIP),
		"password_hash_cost", c.PasswordHashCost.String(),
		"unverified_account_ttl", c.UnverifiedAccountTTL.String(), "kept_answers_ttl", c.KeptAnswersTTL.String(), "voucher_reminder_days", c.VoucherReminderDays,
		"demo", c.Demo, "timezone", c.TimeZone.String(),
		"smtp", smtp, "mail_from", c.MailFrom, "mail_max_attempts", c.MailMaxAttempts,
		"smtp_timeout", c.SMTPTimeout.String(), "shutdown_timeout", c.ShutdownTimeout.String(), "metrics_token", secretState(c.MetricsToken),
		"tls", c.TLS.summary(), "city", c.City.summary(),
		"report_reopen_period", c.ReportReopenPeriod.String(), "proposal_support_threshold", c.ProposalSupportThreshold,
		"disk_min_free_mib", c.DiskMinFreeMiB, "photo_max_bytes", c.PhotoMaxBytes, "photo_max_pixels", c.PhotoMaxPixels, "map_tiles_url", c.MapTilesURL,
		"participation_catalogue", catalogueSummary(c.ParticipationCatalogue), "open311_jurisdiction", c.Open311Jurisdiction,
		"oidc_issuer", Redact(c.OIDCIssuer), "oidc_client_id", c.OIDCClientID, "oidc_client_secret", secretState(c.OIDCClientSecret),
		"oidc_private_key_file", c.OIDCPrivateKeyFile, "oidc_scopes", strings.Join(c.OIDCScopes, " "),
		"log_level", c.LogLevel, "log_format", c.LogFormat,
	}
}

// catalogueSummary is the participation catalogue's line in the start log.
func catalogueSummary(path string) string {
	if path == "" {
		return "built-in (Benevento)"
	}
	return path
}
