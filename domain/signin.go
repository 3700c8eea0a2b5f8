package domain

import (
	"strings"
	"time"
)

// Organisers sign in to the console without a password:
//
//   - a sign-in link, /manage/sign-in/<token>, e-mailed to an organiser's
//     address on request (or printed by `convene serve` for the first
//     organiser). It works once, for SignInLinkLifetime; following it shows
//     a button, and only pressing it (a POST) signs in, because mail
//     scanners follow links. Whoever asks gets the same answer whether or
//     not the address is an organiser's, and an address gets at most
//     SignInLinksPerHour links an hour however often it is asked for;
//   - a passkey (WebAuthn) that a signed-in organiser has added.
//
// Either makes a session: a random token in a cookie, stored hashed, that
// ends SessionIdleTimeout after it was last used, SessionLifetime after it
// began, or when its organiser signs it out (or out everywhere).

// SignInLinkLifetime is how long a sign-in link works.
const SignInLinkLifetime = 15 * time.Minute

// SignInLinksPerHour is how many sign-in links one address is sent in an
// hour at most; further requests are answered the same and send nothing.
const SignInLinksPerHour = 5

// SessionIdleTimeout ends a session not used for this long: a console left
// open on a shared computer is closed by the next day.
const SessionIdleTimeout = 24 * time.Hour

// SessionLifetime ends every session this long after it began, used or
// not: an organiser signs in again at least weekly, which a passkey makes
// one touch.
const SessionLifetime = 7 * 24 * time.Hour

// SessionTouchEvery is how often a session's last use is written: a
// session used more often than that is not written on every page.
const SessionTouchEvery = time.Minute

// SignInMethod is how a session was started.
type SignInMethod string

// Ways in.
const (
	SignInByLink    SignInMethod = "link"
	SignInByPasskey SignInMethod = "passkey"
)

// Session is a signed-in browser of an organiser, as the account page
// lists it: never its token.
type Session struct {
	ID          string
	OrganiserID string
	Method      SignInMethod
	// Browser describes the browser from its User-Agent when it signed in
	// ("Firefox on Linux"), for the organiser to recognise it.
	Browser    string
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// EndsAt is when the session ends if it is not used again.
func (s Session) EndsAt() time.Time {
	return minTime(s.LastSeenAt.Add(SessionIdleTimeout), s.CreatedAt.Add(SessionLifetime))
}

// ActiveAt reports whether the session still lets its browser in at now.
func (s Session) ActiveAt(now time.Time) bool { return now.Before(s.EndsAt()) }

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// SignInLink is an e-mailed or printed way in, as stored: never its token.
type SignInLink struct {
	ID          string
	OrganiserID string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	UsedAt      *time.Time
}

// UsableAt reports whether the link can still sign in at now.
func (l SignInLink) UsableAt(now time.Time) bool { return l.UsedAt == nil && now.Before(l.ExpiresAt) }

// Passkey is a WebAuthn credential an organiser added, as the account
// page lists it. Credential is what the WebAuthn library needs to verify a
// sign-in with it (its JSON, opaque here).
type Passkey struct {
	ID           string
	OrganiserID  string
	Name         string
	CredentialID []byte
	Credential   []byte
	CreatedAt    time.Time
	LastUsedAt   *time.Time
}

// PasskeyNameMax is the longest name a passkey may be given.
const PasskeyNameMax = 60

// BrowserOf describes a browser from its User-Agent header in a few words
// ("Firefox on Linux"), or "Unknown browser". It keeps nothing else of the
// header: the sessions list needs no more to be recognisable.
func BrowserOf(userAgent string) string {
	ua := strings.ToLower(userAgent)
	browser := ""
	switch {
	case strings.Contains(ua, "edg/"):
		browser = "Edge"
	case strings.Contains(ua, "opr/"), strings.Contains(ua, "opera"):
		browser = "Opera"
	case strings.Contains(ua, "firefox/"), strings.Contains(ua, "fxios/"):
		browser = "Firefox"
	case strings.Contains(ua, "chrome/"), strings.Contains(ua, "chromium/"), strings.Contains(ua, "crios/"):
		browser = "Chrome"
	case strings.Contains(ua, "safari/"):
		browser = "Safari"
	case strings.HasPrefix(ua, "curl/"):
		browser = "curl"
	}
	system := ""
	switch {
	case strings.Contains(ua, "iphone"), strings.Contains(ua, "ipad"):
		system = "iOS"
	case strings.Contains(ua, "android"):
		system = "Android"
	case strings.Contains(ua, "windows"):
		system = "Windows"
	case strings.Contains(ua, "mac os"), strings.Contains(ua, "macintosh"):
		system = "macOS"
	case strings.Contains(ua, "cros"):
		system = "ChromeOS"
	case strings.Contains(ua, "linux"):
		system = "Linux"
	}
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return "A browser on " + system
	}
	return "Unknown browser"
}

// PasskeyCeremonyLifetime is how long a passkey ceremony (adding a
// passkey, or signing in with one) may take between its two steps: the
// challenge the browser signs works once, within this time.
const PasskeyCeremonyLifetime = 5 * time.Minute

// PasskeyCeremonyKind is what a passkey ceremony does.
type PasskeyCeremonyKind string

// Passkey ceremonies.
const (
	PasskeyRegister PasskeyCeremonyKind = "register"
	PasskeySignIn   PasskeyCeremonyKind = "sign_in"
)

// CheckPasskeyName validates the name an organiser gives a passkey ("Work
// laptop"): one line, at most PasskeyNameMax characters.
func CheckPasskeyName(v *Validation, field, name string) {
	CheckLine(v, field, name, true, PasskeyNameMax)
}
