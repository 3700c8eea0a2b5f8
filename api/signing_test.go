package api

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// signedRecord returns a record as the service would sign it, naming the
// test server as its issuer.
func signedRecord(t *testing.T, te *testEnv) (domain.Contribution, []byte) {
	t.Helper()
	k, err := te.db.SigningKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c := domain.Contribution{
		ID: domain.NewID(), PersonName: "Zoë Ødegård", Role: domain.RoleSpeaker, ActivityType: domain.ActivitySpeaking,
		TalkTitle: "Generics <in> practice & \"theory\"", EventTitle: "Oslo .NET: spring meetup", EventDate: "2026-03-30",
		GroupName: "Oslo .NET User Group", EventURL: te.srv.URL + "/e/spring-meetup",
		Counts:   domain.ContributionCounts{Registered: 42, AttendedInPerson: 31, AttendedOnline: 5},
		Revision: 1, VerifiedAt: time.Date(2026, 3, 31, 9, 15, 42, 0, time.UTC),
	}
	signed, sig := k.SignContribution(c)
	c.Signature = sig
	return c, signed
}

// fetchSigningKey gets the published key and parses both of its forms.
func fetchSigningKey(t *testing.T, te *testEnv) (body signingKeyJSON, raw, fromPEM ed25519.PublicKey) {
	t.Helper()
	r := te.do("GET", SigningKeyPath, "", nil)
	wantStatus(t, r, http.StatusOK)
	for name, want := range map[string]string{
		"Content-Type": "application/json", "Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*",
	} {
		if got := r.Header.Get(name); got != want {
			t.Errorf("%s %q, want %q", name, got, want)
		}
	}
	r.decode(t, &body)
	if body.Algorithm != "Ed25519" {
		t.Fatalf("algorithm %q", body.Algorithm)
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(body.PublicKey)
	if err != nil || len(b) != ed25519.PublicKeySize {
		t.Fatalf("public_key %q is not 32 bytes of unpadded base64url: %v", body.PublicKey, err)
	}
	raw = ed25519.PublicKey(b)
	block, rest := pem.Decode([]byte(body.PublicKeyPEM))
	if block == nil || block.Type != "PUBLIC KEY" || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("public_key_pem is not one PUBLIC KEY block: %q", body.PublicKeyPEM)
	}
	parsed, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	fromPEM, ok := parsed.(ed25519.PublicKey)
	if !ok {
		t.Fatalf("public_key_pem holds a %T", parsed)
	}
	return body, raw, fromPEM
}

func TestSigningKeyPublished(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		c, signed := signedRecord(t, te)
		body, raw, fromPEM := fetchSigningKey(t, te)
		k, _ := db.SigningKey(context.Background())
		if body.KeyID != k.ID || body.KeyID != domain.SigningKeyID(raw) {
			t.Fatalf("key_id %q, want %q", body.KeyID, k.ID)
		}
		if !raw.Equal(fromPEM) || !raw.Equal(k.Public()) {
			t.Fatal("public_key and public_key_pem are not the same key, or not the store's")
		}
		for name, pub := range map[string]ed25519.PublicKey{"public_key": raw, "public_key_pem": fromPEM} {
			if !domain.VerifySignature(pub, signed, c.Signature) || !domain.VerifyContribution(pub, c) {
				t.Errorf("a record signed by the store does not verify with the key from %s", name)
			}
			tampered := bytes.Replace(signed, []byte(`"registered":42`), []byte(`"registered":43`), 1)
			if domain.VerifySignature(pub, tampered, c.Signature) {
				t.Errorf("a tampered record verifies with the key from %s", name)
			}
		}
		var form map[string]any
		if err := json.Unmarshal(signed, &form); err != nil {
			t.Fatal(err)
		}
		if form["issuer"] != te.srv.URL || form["key_id"] != body.KeyID {
			t.Fatalf("the signed form names issuer %v and key %v; the key is at %s as %s", form["issuer"], form["key_id"], te.srv.URL, body.KeyID)
		}
	})
}

// signingStore fails as the database does when it is down.
type signingStore struct{ Store }

func (signingStore) SigningKey(context.Context) (domain.SigningKey, error) {
	return domain.SigningKey{}, &domain.Error{Code: domain.EUNAVAILABLE, Reason: "database_unavailable", Message: "The service is briefly unavailable; please try again."}
}

func TestSigningKeyUnavailable(t *testing.T) {
	te := stubEnv(t, signingStore{})
	wantProblem(t, te.do("GET", SigningKeyPath, "", nil), http.StatusServiceUnavailable, "database_unavailable")
}

// TestSigningKeyOpenSSL checks that OpenSSL, as a verifier with nothing of
// Convene's, accepts a signature with the published PEM.
func TestSigningKeyOpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl is not installed; it is optional: the Go verification in TestSigningKeyPublished covers the same key")
	}
	te := newTestEnv(t, storetest.Open(t, store.SQLite))
	c, signed := signedRecord(t, te)
	body, _, _ := fetchSigningKey(t, te)
	dir := t.TempDir()
	sig, _ := base64.StdEncoding.DecodeString(c.Signature)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	key, sigFile := write("key.pem", []byte(body.PublicKeyPEM)), write("sig.bin", sig)
	verify := func(record []byte) (string, error) {
		out, err := exec.Command(openssl, "pkeyutl", "-verify", "-pubin", "-inkey", key, "-rawin",
			"-in", write("record.json", record), "-sigfile", sigFile).CombinedOutput()
		return string(out), err
	}
	if out, err := verify(signed); err != nil || !strings.Contains(out, "Signature Verified Successfully") {
		t.Fatalf("openssl does not verify the record: %v\n%s", err, out)
	}
	if out, err := verify(append(bytes.Clone(signed), '\n')); err == nil {
		t.Fatalf("openssl verifies the record with a newline added:\n%s", out)
	}
}

// verifyScript is the offline check for an export's records, verify.sh,
// as docs/contributions.md gives it. The tools it needs must be installed;
// without them the test skips, or fails under CI.
func verifyScript(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"sh", "jq", "curl", "base64", "openssl", "mktemp"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed; CI must check docs/contributions.md's verify.sh (.ci/run installs it)", tool)
			}
			t.Skipf("%s is not installed; docs/contributions.md's verify.sh is not checked", tool)
		}
	}
	doc, err := os.ReadFile("../docs/contributions.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```sh\n#!/bin/sh\n# verify.sh")
	script, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("docs/contributions.md has no verify.sh")
	}
	return "#!/bin/sh\n# verify.sh" + script
}

// runVerify runs verify.sh on an export, as the document says: saved as a
// file, run with sh in a directory of its own. Only the script decides the
// exit status: the test adds no "set -e".
func runVerify(t *testing.T, script string, export []byte) (string, error) {
	t.Helper()
	dir := t.TempDir()
	for name, b := range map[string][]byte{"verify.sh": []byte(script), "export.json": export} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("sh", "verify.sh", "export.json")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestSigningKeyShellRecipe runs docs/contributions.md's verify.sh against
// the test server: it verifies signed records, and exits non-zero when one
// of them was changed.
func TestSigningKeyShellRecipe(t *testing.T) {
	script := verifyScript(t)
	te := newTestEnv(t, storetest.Open(t, store.SQLite))
	var records []map[string]string
	for range 2 {
		c, signed := signedRecord(t, te)
		records = append(records, map[string]string{"signed": string(signed), "signature": c.Signature})
	}
	export := func() []byte {
		b, _ := json.Marshal(map[string]any{"items": records})
		return b
	}
	if out, err := runVerify(t, script, export()); err != nil || !strings.Contains(out, "2 of 2 records verified") || !strings.Contains(out, ", 0 failed") {
		t.Fatalf("verify.sh does not verify the export: %v\n%s", err, out)
	}
	records[1]["signed"] = strings.Replace(records[1]["signed"], `"attended_online":5`, `"attended_online":6`, 1)
	out, err := runVerify(t, script, export())
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(out, "record 1: the signature does not match") ||
		!strings.Contains(out, "1 of 2 records verified") {
		t.Fatalf("verify.sh on a tampered record: %v, want exit status 1 naming record 1\n%s", err, out)
	}
}
