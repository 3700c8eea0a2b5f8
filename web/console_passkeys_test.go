package web

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// softKey is a software authenticator, as a browser and a device would
// be: it makes an ES256 passkey for an origin ("none" attestation, no
// certificate) and signs assertions with it, building clientDataJSON and
// authenticatorData by hand, with a signature counter it increments.
type softKey struct {
	t      *testing.T
	origin string
	rpID   string
	key    *ecdsa.PrivateKey
	id     []byte
	user   []byte
	count  uint32
}

func newSoftKey(t *testing.T, origin string) *softKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(origin)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 32)
	_, _ = rand.Read(id)
	return &softKey{t: t, origin: origin, rpID: u.Hostname(), key: k, id: id}
}

var b64 = base64.RawURLEncoding

type webauthnOptions struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		RP        struct {
			ID string `json:"id"`
		} `json:"rp"`
		RPID string `json:"rpId"`
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		AuthenticatorSelection struct {
			ResidentKey string `json:"residentKey"`
		} `json:"authenticatorSelection"`
		ExcludeCredentials []struct {
			ID string `json:"id"`
		} `json:"excludeCredentials"`
		AllowCredentials []struct {
			ID string `json:"id"`
		} `json:"allowCredentials"`
	} `json:"publicKey"`
}

func (k *softKey) options(body string) webauthnOptions {
	k.t.Helper()
	var o webauthnOptions
	if err := json.Unmarshal([]byte(body), &o); err != nil {
		k.t.Fatalf("options: %v\n%s", err, body)
	}
	return o
}

func (k *softKey) clientData(typ, challenge string) []byte {
	cd, err := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": k.origin, "crossOrigin": false})
	if err != nil {
		k.t.Fatal(err)
	}
	return cd
}

// authData is authenticatorData: the RP ID's hash, the flags (user
// present and verified, and attested credential data when attested is
// given), the counter, then the attested data.
func (k *softKey) authData(attested []byte) []byte {
	rp := sha256.Sum256([]byte(k.rpID))
	flags := byte(0x01 | 0x04)
	if attested != nil {
		flags |= 0x40
	}
	out := append(rp[:], flags)
	out = binary.BigEndian.AppendUint32(out, k.count)
	return append(out, attested...)
}

// create is navigator.credentials.create: the passkey's registration, as
// the script sends it.
func (k *softKey) create(optionsJSON string) string {
	k.t.Helper()
	o := k.options(optionsJSON)
	if o.PublicKey.RP.ID != k.rpID {
		k.t.Fatalf("relying party %q, want %q", o.PublicKey.RP.ID, k.rpID)
	}
	if o.PublicKey.AuthenticatorSelection.ResidentKey != "required" {
		k.t.Errorf("the passkey is not asked to be discoverable: signing in would need an address")
	}
	user, err := b64.DecodeString(o.PublicKey.User.ID)
	if err != nil {
		k.t.Fatal(err)
	}
	for _, ex := range o.PublicKey.ExcludeCredentials {
		if ex.ID == b64.EncodeToString(k.id) {
			k.t.Fatalf("the server excludes this authenticator's passkey: it is added already")
		}
	}
	k.user = user
	pub, err := k.key.PublicKey.ECDH()
	if err != nil {
		k.t.Fatal(err)
	}
	xy := pub.Bytes() // 0x04 || X || Y
	cose, err := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: xy[1:33], -3: xy[33:65]})
	if err != nil {
		k.t.Fatal(err)
	}
	attested := make([]byte, 16) // AAGUID: none
	attested = binary.BigEndian.AppendUint16(attested, uint16(len(k.id)))
	attested = append(append(attested, k.id...), cose...)
	att, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": k.authData(attested)})
	if err != nil {
		k.t.Fatal(err)
	}
	return k.credential(map[string]any{
		"clientDataJSON":    b64.EncodeToString(k.clientData("webauthn.create", o.PublicKey.Challenge)),
		"attestationObject": b64.EncodeToString(att),
		"transports":        []string{"internal"},
	})
}

// get is navigator.credentials.get with a discoverable passkey: the
// signed assertion, with the user handle, as the script sends it.
func (k *softKey) get(optionsJSON string) string {
	k.t.Helper()
	o := k.options(optionsJSON)
	if o.PublicKey.RPID != k.rpID {
		k.t.Fatalf("relying party %q, want %q", o.PublicKey.RPID, k.rpID)
	}
	if len(o.PublicKey.AllowCredentials) != 0 {
		k.t.Errorf("signing in names credentials, and so someone: %s", optionsJSON)
	}
	k.count++
	ad := k.authData(nil)
	cd := k.clientData("webauthn.get", o.PublicKey.Challenge)
	cdHash := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, ad...), cdHash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.key, digest[:])
	if err != nil {
		k.t.Fatal(err)
	}
	return k.credential(map[string]any{
		"clientDataJSON":    b64.EncodeToString(cd),
		"authenticatorData": b64.EncodeToString(ad),
		"signature":         b64.EncodeToString(sig),
		"userHandle":        b64.EncodeToString(k.user),
	})
}

func (k *softKey) credential(response map[string]any) string {
	out, err := json.Marshal(map[string]any{"id": b64.EncodeToString(k.id), "rawId": b64.EncodeToString(k.id), "type": "public-key",
		"response": response, "clientExtensionResults": map[string]any{}})
	if err != nil {
		k.t.Fatal(err)
	}
	return string(out)
}

// passkeyBase is the base URL of the passkey tests: a domain name (the
// relying party cannot be an IP address). Browsers treat localhost as a
// secure context over http.
const passkeyBase = "http://localhost"

// addPasskey adds a passkey made by k as the browser's organiser, the
// way the account page's script does.
func (b *browser) addPasskey(k *softKey, name string) page {
	b.ce.t.Helper()
	b.get("/manage/account")
	begin := b.post("/manage/account/passkeys/begin", url.Values{"name": {name}})
	if begin.Status != http.StatusOK || !strings.HasPrefix(begin.Header.Get("Content-Type"), "application/json") {
		b.ce.t.Fatalf("begin: %d %s", begin.Status, begin.text())
	}
	return b.post("/manage/account/passkeys/finish", url.Values{"name": {name}, "credential": {k.create(begin.Body)}})
}

// passkeyBegin starts signing in with a passkey and returns the options.
func (b *browser) passkeyBegin() string {
	b.ce.t.Helper()
	if p := b.get("/manage/sign-in"); p.Status != http.StatusOK {
		b.ce.t.Fatalf("sign-in page: %d", p.Status)
	}
	begin := b.post("/manage/sign-in/passkey/begin", nil)
	if begin.Status != http.StatusOK {
		b.ce.t.Fatalf("begin: %d %s", begin.Status, begin.text())
	}
	return begin.Body
}

func (b *browser) passkeyFinish(assertion, next string) page {
	b.ce.t.Helper()
	return b.post("/manage/sign-in/passkey/finish", url.Values{"credential": {assertion}, "next": {next}})
}

func redirectOf(t *testing.T, p page) string {
	t.Helper()
	var done struct {
		Redirect string `json:"redirect"`
	}
	if err := json.Unmarshal([]byte(p.Body), &done); err != nil {
		t.Fatalf("answer %d: %v\n%s", p.Status, err, p.text())
	}
	return done.Redirect
}

func passkeySessions(t *testing.T, db *store.DB, o domain.Organiser) int {
	t.Helper()
	sessions, err := db.ListSessions(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range sessions {
		if s.Method == domain.SignInByPasskey {
			n++
		}
	}
	return n
}

// TestPasskeyJourney: an organiser adds a passkey from the account page
// and signs in with it alone in another browser (no address typed); the
// session is listed as a passkey's. A replayed assertion, a used or
// expired ceremony, another site's assertion and a counter that went
// back are refused and start no session.
func TestPasskeyJourney(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ce := newConsoleEnv(t, db, passkeyBase)
		ada := ce.organiser("Ada")
		key := newSoftKey(t, passkeyBase)

		home := ce.browser()
		home.signIn(ada)
		acct := home.get("/manage/account")
		for _, want := range []string{`id="passkey-register"`, `id="passkey-name"`, `data-passkey-unavailable`, `You have no passkeys.`} {
			if !strings.Contains(acct.Body, want) {
				t.Errorf("account page lacks %s", want)
			}
		}
		script := regexp.MustCompile(`<script src="(/static/passkeys\.[0-9a-f]+\.js)" defer></script>`).FindStringSubmatch(acct.Body)
		if script == nil {
			t.Fatal("the account page does not load the passkeys script by its hashed name")
		}
		if js := home.get(script[1]); js.Status != http.StatusOK || !strings.HasPrefix(js.Header.Get("Content-Type"), "text/javascript") {
			t.Errorf("passkeys.js: %d %s", js.Status, js.Header.Get("Content-Type"))
		}
		if csp := acct.Header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") || strings.Contains(acct.Body, "<script>") {
			t.Errorf("inline script allowed or used: %s", csp)
		}

		added := home.addPasskey(key, "Work laptop")
		if added.Status != http.StatusCreated || redirectOf(t, added) != "/manage/account?done=passkey-added#passkeys" {
			t.Fatalf("finish: %d %s", added.Status, added.Body)
		}
		listed := home.get("/manage/account?done=passkey-added").text()
		if !strings.Contains(listed, "The passkey is added") || !strings.Contains(listed, "Work laptop") {
			t.Fatalf("the account page does not list the new passkey:\n%s", listed)
		}
		// The same authenticator cannot add it twice: the options
		// exclude it (softKey.create fails the test if it is not).
		begin := home.post("/manage/account/passkeys/begin", nil)
		if !strings.Contains(begin.Body, b64.EncodeToString(key.id)) {
			t.Errorf("a second registration does not exclude the passkey already added")
		}

		// Another browser, signed out: the passkey alone signs in.
		away := ce.browser()
		signIn := away.get("/manage/sign-in")
		if !strings.Contains(signIn.Body, `id="passkey-sign-in"`) || !strings.Contains(signIn.Body, `name="email"`) {
			t.Fatalf("the sign-in page offers no passkey, or no link:\n%s", signIn.text())
		}
		assertion := key.get(away.passkeyBegin())
		ok := away.passkeyFinish(assertion, "/manage/account")
		if ok.Status != http.StatusOK || redirectOf(t, ok) != "/manage/account" {
			t.Fatalf("sign in: %d %s", ok.Status, ok.text())
		}
		page := away.get("/manage/account")
		if page.Status != http.StatusOK || !strings.Contains(page.text(), "with a passkey") {
			t.Fatalf("signed in with a passkey: %d\n%s", page.Status, page.text())
		}
		if passkeySessions(t, db, ada) != 1 {
			t.Fatalf("passkey sessions: %d", passkeySessions(t, db, ada))
		}
		keys, err := db.ListPasskeys(ctx, ada.ID)
		if err != nil || len(keys) != 1 || keys[0].LastUsedAt == nil {
			t.Fatalf("last used: %+v %v", keys, err)
		}

		t.Run("ErrReplayed", func(t *testing.T) {
			thief := ce.browser()
			// The same ceremony again: it is spent (and its cookie gone).
			if p := away.passkeyFinish(assertion, ""); p.Status != http.StatusGone {
				t.Errorf("the used ceremony again: %d", p.Status)
			}
			// A new ceremony: its challenge is not the one signed.
			thief.passkeyBegin()
			if p := thief.passkeyFinish(assertion, ""); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.text(), "could not be checked") {
				t.Errorf("a replayed assertion: %d %s", p.Status, p.text())
			}
			if n := passkeySessions(t, db, ada); n != 1 {
				t.Errorf("a replay started a session: %d", n)
			}
		})
		t.Run("ErrExpired", func(t *testing.T) {
			b := ce.browser()
			opts := b.passkeyBegin()
			storetest.ClockOf(t, db).Advance(domain.PasskeyCeremonyLifetime + time.Second)
			if p := b.passkeyFinish(key.get(opts), ""); p.Status != http.StatusGone || !strings.Contains(p.text(), "expired") {
				t.Errorf("an expired ceremony: %d %s", p.Status, p.text())
			}
		})
		t.Run("ErrOtherSite", func(t *testing.T) {
			b := ce.browser()
			phished := *key
			phished.origin = "http://localhost.evil.example"
			if p := b.passkeyFinish(phished.get(b.passkeyBegin()), ""); p.Status != http.StatusUnprocessableEntity {
				t.Errorf("another origin's assertion: %d", p.Status)
			}
			key.count = phished.count
		})
		t.Run("ErrCounterWentBack", func(t *testing.T) {
			// The library flags a counter that is not above the stored
			// one as a possible clone: the sign-in is refused, the stored
			// counter kept, and the real authenticator goes on working.
			b := ce.browser()
			clone := *key
			clone.count = 0 // its next assertion says 1, which the server has seen
			if p := b.passkeyFinish(clone.get(b.passkeyBegin()), ""); p.Status != http.StatusUnprocessableEntity {
				t.Errorf("a counter that went back: %d", p.Status)
			}
			if n := passkeySessions(t, db, ada); n != 1 {
				t.Errorf("the clone started a session: %d", n)
			}
			if p := b.passkeyFinish(key.get(b.passkeyBegin()), ""); p.Status != http.StatusOK || redirectOf(t, p) != "/manage/" {
				t.Errorf("the authenticator after the clone was refused: %d %s", p.Status, p.text())
			}
		})

		t.Run("OthersCannotRemoveIt", func(t *testing.T) {
			bob := ce.browser()
			bob.signIn(ce.organiser("Bob"))
			id := keys[0].ID
			if p := bob.post("/manage/account/passkeys/"+id+"/remove", nil); p.Status != http.StatusNotFound {
				t.Errorf("Bob removes Ada's passkey: %d", p.Status)
			}
			if p := bob.post("/manage/account/passkeys/"+id+"/rename", url.Values{"name": {"Bob's now"}}); p.Status != http.StatusNotFound {
				t.Errorf("Bob renames Ada's passkey: %d", p.Status)
			}
			if p := home.get("/manage/account"); !strings.Contains(p.text(), "Work laptop") {
				t.Errorf("Ada's passkey changed")
			}
		})

		// Renaming: a bad name is shown again with its error; a good one
		// is saved. Removing: the passkey no longer signs in.
		id := keys[0].ID
		long := strings.Repeat("x", domain.PasskeyNameMax+1)
		bad := home.post("/manage/account/passkeys/"+id+"/rename", url.Values{"name": {long}})
		if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.text(), "The name must") || !strings.Contains(bad.Body, `value="`+long+`"`) {
			t.Errorf("a too long name: %d\n%s", bad.Status, bad.text())
		}
		if p := home.post("/manage/account/passkeys/"+id+"/rename", url.Values{"name": {"Old laptop"}}); p.Status != http.StatusSeeOther {
			t.Errorf("rename: %d", p.Status)
		}
		if p := home.get("/manage/account"); !strings.Contains(p.text(), "Old laptop") {
			t.Errorf("the new name is not shown")
		}
		if p := home.post("/manage/account/passkeys/"+id+"/remove", nil); p.Status != http.StatusSeeOther {
			t.Errorf("remove: %d", p.Status)
		}
		b := ce.browser()
		if p := b.passkeyFinish(key.get(b.passkeyBegin()), ""); p.Status != http.StatusUnprocessableEntity {
			t.Errorf("a removed passkey signs in: %d", p.Status)
		}
		if p := b.get("/manage/account"); p.Status != http.StatusSeeOther {
			t.Errorf("signed in after all: %d", p.Status)
		}
	})
}

// TestPasskeyCeremonyBound: a registration ceremony is the organiser's
// who began it, and a bad name is refused before the authenticator is
// asked; a service reached by an IP address offers no passkeys, and its
// pages say so.
func TestPasskeyCeremonyBound(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ce := newConsoleEnv(t, db, passkeyBase)
	ada, bob := ce.organiser("Ada"), ce.organiser("Bob")
	a := ce.browser()
	a.signIn(ada)
	if p := a.post("/manage/account/passkeys/begin", url.Values{"name": {strings.Repeat("y", domain.PasskeyNameMax+1)}}); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.text(), "The name must") {
		t.Errorf("a too long name: %d %s", p.Status, p.text())
	}
	begin := a.post("/manage/account/passkeys/begin", nil)
	key := newSoftKey(t, passkeyBase)
	made := key.create(begin.Body)
	// Bob's browser gets Ada's ceremony cookie: it is not his.
	b := ce.browser()
	b.signIn(bob)
	u, _ := url.Parse(ce.base)
	for _, ck := range a.c.Jar.Cookies(u) {
		if ck.Name == "convene_passkey" {
			b.c.Jar.SetCookies(u, []*http.Cookie{ck})
		}
	}
	if p := b.post("/manage/account/passkeys/finish", url.Values{"credential": {made}}); p.Status != http.StatusGone {
		t.Errorf("Bob finishes Ada's ceremony: %d", p.Status)
	}
	if keys, _ := db.ListPasskeys(ctx, bob.ID); len(keys) != 0 {
		t.Errorf("Bob has Ada's passkey")
	}

	ip := newConsoleEnv(t, db)
	c := ip.browser()
	if p := c.get("/manage/sign-in"); strings.Contains(p.Body, "passkey-sign-in") || strings.Contains(p.Body, "<script") {
		t.Errorf("an IP address's sign-in page offers passkeys")
	}
	c.signIn(ada)
	if p := c.get("/manage/account"); !strings.Contains(p.text(), "must be a domain name") || strings.Contains(p.Body, "passkey-register") {
		t.Errorf("an IP address's account page: %s", p.text())
	}
	if p := c.post("/manage/account/passkeys/begin", nil); p.Status != http.StatusNotFound {
		t.Errorf("begin on an IP address: %d", p.Status)
	}
}

// TestPasskeyBeginRateLimited: starting a passkey ceremony is limited per
// client address as the sign-in form is, so that nobody fills the
// ceremony table from one address; the answer says to wait.
func TestPasskeyBeginRateLimited(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	w, err := New(db, Config{BaseURL: passkeyBase, Clock: db.Clock(), RSVPRatePerMinute: 2})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w.Handler())
	t.Cleanup(srv.Close)
	ce := &consoleEnv{t: t, db: db, srv: srv, base: srv.URL, web: w}
	b := ce.browser()
	b.get("/manage/sign-in")
	for i := range 2 {
		if p := b.post("/manage/sign-in/passkey/begin", nil); p.Status != http.StatusOK {
			t.Fatalf("begin %d: %d", i+1, p.Status)
		}
	}
	if p := b.post("/manage/sign-in/passkey/begin", nil); p.Status != http.StatusTooManyRequests || !strings.Contains(p.text(), "Too many tries") {
		t.Errorf("a third begin in a minute: %d %s", p.Status, p.text())
	}
	b.signIn(ce.organiser("Ada"))
	for range 2 {
		b.post("/manage/account/passkeys/begin", nil)
	}
	if p := b.post("/manage/account/passkeys/begin", nil); p.Status != http.StatusTooManyRequests {
		t.Errorf("a third registration begin in a minute: %d", p.Status)
	}
}
