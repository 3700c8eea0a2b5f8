package mail

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParseSMTPURL(t *testing.T) {
	ok := []struct {
		url  string
		want SMTPConfig
	}{
		{"smtp://mail.example.org", SMTPConfig{Host: "mail.example.org", Port: 587, TLS: TLSStartTLS}},
		{"smtp://user:pass@mail.example.org", SMTPConfig{Host: "mail.example.org", Port: 587, TLS: TLSStartTLS, Username: "user", Password: "pass"}},
		{"smtp://mail.example.org?tls=tls", SMTPConfig{Host: "mail.example.org", Port: 465, TLS: TLSImplicit}},
		{"smtp://mail.example.org?tls=none", SMTPConfig{Host: "mail.example.org", Port: 25, TLS: TLSNone}},
		{"smtp://mail.example.org:2525?tls=starttls", SMTPConfig{Host: "mail.example.org", Port: 2525, TLS: TLSStartTLS}},
		{"smtps://mail.example.org", SMTPConfig{Host: "mail.example.org", Port: 465, TLS: TLSImplicit}},
		{"SMTP://mail.example.org/?tls=STARTTLS", SMTPConfig{Host: "mail.example.org", Port: 587, TLS: TLSStartTLS}},
		{"smtp://apikey:p%40ss%3Aw%2Fo%23rd@smtp.example.com:587?timeout=10s",
			SMTPConfig{Host: "smtp.example.com", Port: 587, TLS: TLSStartTLS, Username: "apikey", Password: "p@ss:w/o#rd", Timeout: 10 * time.Second}},
		{"smtp://[::1]:1025?tls=none", SMTPConfig{Host: "::1", Port: 1025, TLS: TLSNone}},
		{"smtp://relay:secret@localhost:25?tls=none", SMTPConfig{Host: "localhost", Port: 25, TLS: TLSNone, Username: "relay", Password: "secret"}},
		{"smtp://mail.example.org?helo=app.convene.example", SMTPConfig{Host: "mail.example.org", Port: 587, TLS: TLSStartTLS, HELO: "app.convene.example"}},
		{"  smtp://mail.example.org  ", SMTPConfig{Host: "mail.example.org", Port: 587, TLS: TLSStartTLS}},
	}
	for _, c := range ok {
		got, err := ParseSMTPURL(c.url)
		if err != nil {
			t.Errorf("ParseSMTPURL(%q): %v", c.url, err)
			continue
		}
		if fmt.Sprint(got.Host, got.Port, got.TLS, got.Username, got.Password, got.Timeout, got.HELO) !=
			fmt.Sprint(c.want.Host, c.want.Port, c.want.TLS, c.want.Username, c.want.Password, c.want.Timeout, c.want.HELO) {
			t.Errorf("ParseSMTPURL(%q) = %+v, want %+v", c.url, got, c.want)
		}
	}

	const secret = "Hunter2-s3cr3t"
	bad := []struct {
		url, says string
	}{
		{"", "no scheme"},
		{"mail.example.org:587", "scheme"},
		{"http://mail.example.org", `not "http"`},
		{"smtp://", "no host"},
		{"smtp://user:" + secret + "@", "no host"},
		{"smtp://mail.example.org:0", "port"},
		{"smtp://mail.example.org:70000", "port"},
		{"smtp://user:" + secret + "@mail.example.org:abc", "cannot be read"},
		{"smtp://mail.example.org?tls=ssl", `tls must be starttls, tls or none, not "ssl"`},
		{"smtp://mail.example.org?tls=none&tls=tls", "more than once"},
		{"smtp://mail.example.org?tsl=none", `unknown parameter "tsl"`},
		{"smtp://mail.example.org?timeout=soon", "timeout"},
		{"smtp://mail.example.org/path", "path"},
		{"smtp://mail.example.org?helo=a%20b", "helo"},
		{"smtps://mail.example.org?tls=starttls", "smtps"},
		{"smtp://:" + secret + "@mail.example.org", "no user name"},
		{"smtp://user:" + secret + "@mail.example.org?tls=none", "without TLS"},
		{"smtp://us er:" + secret + "@mail.example.org", "percent-encode"},
		{"smtp://user:" + secret + "%zz@mail.example.org", "cannot be read"},
		{"smtp://user:" + secret + "@mail.example.org#frag", "fragment"},
	}
	for _, c := range bad {
		_, err := ParseSMTPURL(c.url)
		if err == nil {
			t.Errorf("ParseSMTPURL(%q) accepted it", c.url)
			continue
		}
		if !strings.Contains(err.Error(), c.says) {
			t.Errorf("ParseSMTPURL(%q) = %q, want it to say %q", c.url, err, c.says)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("ParseSMTPURL(%q) error shows the password: %q", c.url, err)
		}
	}
}

func TestSMTPConfigHidesPassword(t *testing.T) {
	const secret = "Hunter2-s3cr3t"
	cfg, err := ParseSMTPURL("smtp://apikey:" + secret + "@smtp.example.com")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{cfg.String(), fmt.Sprint(cfg), fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg), fmt.Sprint(&cfg)} {
		if strings.Contains(s, secret) {
			t.Errorf("password shown: %s", s)
		}
	}
	if want := "smtp://apikey:xxxxx@smtp.example.com:587?tls=starttls"; cfg.String() != want {
		t.Errorf("String() = %q, want %q", cfg.String(), want)
	}
	// The redacted form parses back (with a different password).
	if back, err := ParseSMTPURL(cfg.String()); err != nil || back.Host != cfg.Host || back.Port != cfg.Port {
		t.Errorf("String() does not parse back: %v %v", back, err)
	}
}

func TestNewSMTPChecksConfig(t *testing.T) {
	for name, cfg := range map[string]SMTPConfig{
		"no host":           {Port: 25},
		"bad mode":          {Host: "h", TLS: "ssl"},
		"bad port":          {Host: "h", Port: 99999},
		"clear password":    {Host: "mail.example.org", TLS: TLSNone, Username: "u", Password: "p"},
		"bad envelope from": {Host: "h", From: "Eve <eve@example.org>"},
		"negative timeout":  {Host: "h", Timeout: -time.Second},
	} {
		if _, err := NewSMTP(cfg); err == nil {
			t.Errorf("%s: NewSMTP accepted %v", name, cfg)
		}
	}
	s, err := NewSMTP(SMTPConfig{Host: "h"})
	if err != nil || s.cfg.Port != 587 || s.cfg.TLS != TLSStartTLS || s.cfg.Timeout != DefaultSMTPTimeout {
		t.Errorf("defaults: %+v %v", s.cfg, err)
	}
}
