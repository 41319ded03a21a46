package config

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCitySettings(t *testing.T) {
	c, err := Parse("serve", nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.City.Name != "Benevento" || c.City.LogoFile != "" || c.City.Email != "" || c.City.PEC != "" {
		t.Errorf("default city %+v", c.City)
	}
	if logo, err := c.City.ReadLogo(); err != nil || logo != nil {
		t.Errorf("no logo configured: %v %v", logo, err)
	}

	dir := t.TempDir()
	logo := filepath.Join(dir, "stemma.svg")
	if err := os.WriteFile(logo, []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"/>`), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err = Parse("serve", nil, env(map[string]string{
		"CITYHUB_CITY_NAME": " Avellino ", "CITYHUB_CITY_LOGO": logo, "CITYHUB_CITY_ADDRESS": "Piazza del Popolo 1, 83100 Avellino",
		"CITYHUB_CITY_PHONE": "+39 0825 200111", "CITYHUB_CITY_EMAIL": "urp@comune.example.it", "CITYHUB_CITY_PEC": "protocollo@pec.comune.example.it",
		"CITYHUB_CITY_DPO_EMAIL": "dpo@comune.example.it", "CITYHUB_CITY_WEBSITE": "https://www.comune.example.it",
		"CITYHUB_CITY_ACCESSIBILITY_URL": "https://form.agid.gov.it/view/0000", "CITYHUB_CITY_ACCESSIBILITY_REVIEWED": "2026-03-15",
		"CITYHUB_CITY_SECURITY_CONTACT": "https://www.comune.example.it/segnala-vulnerabilita", "CITYHUB_CITY_IPA_CODE": "c_a509",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := City{Name: "Avellino", LogoFile: logo, Address: "Piazza del Popolo 1, 83100 Avellino", Phone: "+39 0825 200111",
		Email: "urp@comune.example.it", PEC: "protocollo@pec.comune.example.it", DPOEmail: "dpo@comune.example.it", Website: "https://www.comune.example.it",
		AccessibilityURL: "https://form.agid.gov.it/view/0000", AccessibilityReviewed: "2026-03-15",
		SecurityContact: "https://www.comune.example.it/segnala-vulnerabilita", IPACode: "c_a509"}
	if c.City != want {
		t.Errorf("city %+v, want %+v", c.City, want)
	}
	// The review day is a day in the city: today there is accepted (in a
	// zone west of UTC too), and it stays that day in the city's zone.
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().In(la).Format(time.DateOnly)
	west, err := Parse("serve", nil, env(map[string]string{"CITYHUB_TIMEZONE": "America/Los_Angeles", "CITYHUB_CITY_ACCESSIBILITY_REVIEWED": today}), io.Discard)
	if err != nil {
		t.Fatalf("today in the city's zone refused: %v", err)
	}
	if day, err := west.City.AccessibilityReviewedOn(west.TimeZone); err != nil || day.In(la).Format(time.DateOnly) != today {
		t.Errorf("review day %v (%v), want %s in the city's zone", day, err, today)
	}
	if b, err := c.City.ReadLogo(); err != nil || !strings.HasPrefix(string(b), "<svg") {
		t.Errorf("logo %q %v", b, err)
	}
	if ct, _ := c.City.LogoType(); ct != "image/svg+xml" {
		t.Errorf("logo type %q", ct)
	}
	if s := fmtSummary(c); !strings.Contains(s, "Avellino") || !strings.Contains(s, "protocollo@pec.comune.example.it") {
		t.Errorf("the start-up summary does not name the city: %s", s)
	}

	big := filepath.Join(dir, "big.png")
	if err := os.WriteFile(big, make([]byte, MaxCityLogoBytes+1), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct{ key, value, says string }{
		{"CITYHUB_CITY_EMAIL", "Comune <urp@comune.example.it>", "CITYHUB_CITY_EMAIL"},
		{"CITYHUB_CITY_PEC", "not an address", "CITYHUB_CITY_PEC"},
		{"CITYHUB_CITY_DPO_EMAIL", "dpo@", "CITYHUB_CITY_DPO_EMAIL"},
		{"CITYHUB_CITY_WEBSITE", "www.comune.example.it", "CITYHUB_CITY_WEBSITE"},
		{"CITYHUB_CITY_ACCESSIBILITY_URL", "javascript:alert(1)", "CITYHUB_CITY_ACCESSIBILITY_URL"},
		{"CITYHUB_CITY_ACCESSIBILITY_REVIEWED", "15/03/2026", "CITYHUB_CITY_ACCESSIBILITY_REVIEWED"},
		// Tomorrow in the city (Europe/Rome by default), whatever the
		// machine's zone.
		{"CITYHUB_CITY_ACCESSIBILITY_REVIEWED", time.Now().In(DefaultZone()).AddDate(0, 0, 1).Format(time.DateOnly), "not after today"},
		{"CITYHUB_CITY_LOGO", filepath.Join(dir, "stemma.gif"), ".svg or .png"},
		{"CITYHUB_CITY_LOGO", filepath.Join(dir, "missing.svg"), "CITYHUB_CITY_LOGO:"},
		{"CITYHUB_CITY_LOGO", big, "KiB"},
		{"CITYHUB_CITY_NAME", strings.Repeat("B", 81), "CITYHUB_CITY_NAME \""},
		// The name heads every e-mail: no escape or override in it.
		{"CITYHUB_CITY_NAME", "Bene\x1b[2Jvento", "CITYHUB_CITY_NAME \""},
		{"CITYHUB_CITY_NAME", "Bene\u202evento", "CITYHUB_CITY_NAME \""},
		{"CITYHUB_CITY_ADDRESS", "Piazza\u0085Roma", "CITYHUB_CITY_ADDRESS"},
		{"CITYHUB_CITY_IPA_CODE", "C_A509", "CITYHUB_CITY_IPA_CODE"},
		{"CITYHUB_CITY_IPA_CODE", "c a509", "CITYHUB_CITY_IPA_CODE"},
	} {
		_, err := Parse("serve", nil, env(map[string]string{bad.key: bad.value}), io.Discard)
		if err == nil || !strings.Contains(err.Error(), bad.says) {
			t.Errorf("%s=%q: error %v, want one naming %q", bad.key, bad.value, err, bad.says)
		}
	}
}

// A coat of arms whose content is not of the kind its name says stops the
// start at ReadLogo, naming the variable: a JPEG renamed .png was served as
// a PNG, a broken image in every page's header.
func TestReadLogoRefusesAFileNotOfItsKind(t *testing.T) {
	dir := t.TempDir()
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR")
	for name, tc := range map[string]struct {
		file    string
		content []byte
		says    string
	}{
		"jpeg named png":  {"stemma.png", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), "not a PNG image"},
		"html named svg":  {"stemma.svg", []byte("<html><body>stemma</body></html>"), "not an SVG image"},
		"png":             {"stemma.png", png, ""},
		"svg with prolog": {"stemma.svg", []byte(`<?xml version="1.0"?>` + "\n" + `<svg xmlns="http://www.w3.org/2000/svg"/>`), ""},
	} {
		path := filepath.Join(dir, tc.file)
		if err := os.WriteFile(path, tc.content, 0o644); err != nil {
			t.Fatal(err)
		}
		b, err := City{LogoFile: path}.ReadLogo()
		if tc.says == "" {
			if err != nil || len(b) != len(tc.content) {
				t.Errorf("%s: %d bytes, %v; want it read", name, len(b), err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), "CITYHUB_CITY_LOGO") {
			t.Errorf("%s: %v, want an error naming CITYHUB_CITY_LOGO and saying %q", name, err, tc.says)
		}
	}
}
