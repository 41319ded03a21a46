package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"log/slog"
	"strings"
	"testing"

	"cityhub/config"
	"cityhub/internal/testutil"
	"cityhub/keyring"
	"cityhub/store/storetest"
)

// CITYHUB_KEY_ENCRYPTION_KEY=NEW,OLD with CITYHUB_SIGNING_KEYS giving both
// keys re-encrypted nothing, silently, and OLD could be thrown away while
// the stored keys still need it: the start warns. Encrypting is said too.
func TestKeyEncryptionLogged(t *testing.T) {
	db := storetest.OpenSQLite(t)
	oldKEK, newKEK := make([]byte, keyring.KEKSize), make([]byte, keyring.KEKSize)
	rand.Read(oldKEK)
	rand.Read(newKEK)
	load := func(cfg config.Config) string {
		t.Helper()
		var logs testutil.Buffer
		if _, err := loadKeys(t.Context(), cfg, db, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
			t.Fatal(err)
		}
		return logs.String()
	}
	if got := load(config.Config{}); !strings.Contains(got, "without encryption") {
		t.Errorf("keys in clear logged:\n%s", got)
	}
	if got := load(config.Config{KeyEncryptionKeys: [][]byte{oldKEK}}); !strings.Contains(got, "level=INFO msg=\"stored signing keys encrypted") ||
		!strings.Contains(got, "from_clear=3") {
		t.Errorf("first start with a key-encryption key logged:\n%s", got)
	}
	var bundle string
	for _, p := range keyring.Purposes {
		_, priv, _ := ed25519.GenerateKey(rand.Reader)
		pem, err := keyring.EncodePEM(p, priv)
		if err != nil {
			t.Fatal(err)
		}
		bundle += pem
	}
	got := load(config.Config{SigningKeys: bundle, KeyEncryptionKeys: [][]byte{newKEK, oldKEK}})
	if !strings.Contains(got, "level=WARN msg=\"stored signing keys were not encrypted") || !strings.Contains(got, "keep the key-encryption key") ||
		!strings.Contains(got, "key_encryption_key="+keyring.KEKFingerprint(newKEK)) {
		t.Errorf("rotation with every key configured logged:\n%s", got)
	}
	if got := load(config.Config{KeyEncryptionKeys: [][]byte{newKEK, oldKEK}}); !strings.Contains(got, "from_older_key=3") || strings.Contains(got, "WARN") {
		t.Errorf("rotation logged:\n%s", got)
	}
	if got := load(config.Config{KeyEncryptionKeys: [][]byte{newKEK}}); got != "" {
		t.Errorf("a start with nothing to do logged:\n%s", got)
	}
}
