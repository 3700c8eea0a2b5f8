package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
)

// Passkeys (WebAuthn): a second way into the console, added from the
// account page by a signed-in organiser. The checks of attestations and
// assertions are the go-webauthn library's; the credentials and the state
// between a ceremony's two steps are the store's. Each ceremony is two
// POSTs that the one script, static/passkeys.js, sends with the page's
// CSRF token: "begin" answers the options for the browser (JSON) and puts
// the ceremony's one-time token in a short-lived cookie; "finish" takes
// what the authenticator made, checks it, and answers where to go next.
// Failures are answered as the console's error pages, whose text the
// script shows. Without JavaScript or WebAuthn the pages say so; every
// other way in and out works as before.
//
// The relying party is the host of the configured base URL, the origin the
// base URL. A host that is an IP address cannot have passkeys (browsers
// refuse it): the console then offers none.

// ConsolePasskeys is what passkeys need of the store.
type ConsolePasskeys interface {
	StartPasskeyCeremony(ctx context.Context, kind domain.PasskeyCeremonyKind, organiserID string, data []byte) (string, error)
	TakePasskeyCeremony(ctx context.Context, raw string, kind domain.PasskeyCeremonyKind, organiserID string) ([]byte, error)
	AddPasskey(ctx context.Context, organiserID, name string, credentialID, credential []byte) (domain.Passkey, error)
	ListPasskeys(ctx context.Context, organiserID string) ([]domain.Passkey, error)
	RenamePasskey(ctx context.Context, organiserID, passkeyID, name string) (domain.Passkey, error)
	RemovePasskey(ctx context.Context, organiserID, passkeyID string) error
	SignInWithPasskey(ctx context.Context, organiserID, passkeyID string, credential []byte, browser string) (domain.Session, string, error)
}

// passkeyRoutes registers the passkey routes (consoleRoutes calls it).
func (s *Server) passkeyRoutes(e *echo.Echo, csrf echo.MiddlewareFunc, in func(method, path string, h echo.HandlerFunc, mw ...echo.MiddlewareFunc)) {
	s.passkeys = newRelyingParty(s.cfg.BaseURL)
	e.POST(consolePrefix+"/sign-in/passkey/begin", s.passkeySignInBegin, htmlPage, consolePage, s.rateLimit(), csrf)
	e.POST(consolePrefix+"/sign-in/passkey/finish", s.passkeySignInFinish, htmlPage, consolePage, csrf)
	in(http.MethodPost, "/account/passkeys/begin", s.passkeyRegisterBegin, s.rateLimit())
	in(http.MethodPost, "/account/passkeys/finish", s.passkeyRegisterFinish)
	in(http.MethodPost, "/account/passkeys/:passkey_id/rename", s.renamePasskeyPost)
	in(http.MethodPost, "/account/passkeys/:passkey_id/remove", s.removePasskeyPost)
}

// newRelyingParty is the WebAuthn relying party of a base URL, or nil when
// its host cannot be one (an IP address, no host).
func newRelyingParty(baseURL string) *webauthn.WebAuthn {
	u, err := url.Parse(baseURL)
	if err != nil || u.Hostname() == "" {
		return nil
	}
	wa, err := webauthn.New(&webauthn.Config{
		RPID:          u.Hostname(),
		RPDisplayName: "Convene",
		RPOrigins:     []string{u.Scheme + "://" + u.Host},
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			// Discoverable, so that signing in names nobody; both
			// spellings, for browsers of WebAuthn level 1 and later.
			ResidentKey:        protocol.ResidentKeyRequirementRequired,
			RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification:   protocol.VerificationPreferred,
		},
	})
	if err != nil {
		return nil
	}
	return wa
}

var errNoPasskeys = &domain.Error{Code: domain.ENOTFOUND, Reason: domain.ReasonPasskeyNotFound,
	Message: "Passkeys are not available here: the service's address must be a domain name, not an IP address."}

// passkeyRefused is the answer to a passkey the library did not accept.
// What the library found is logged, without anything of the organiser's.
func (s *Server) passkeyRefused(c echo.Context, err error) error {
	detail := err.Error()
	var pe *protocol.Error
	if errors.As(err, &pe) {
		detail = pe.Type + ": " + pe.Details + " " + pe.DevInfo
	}
	s.log.InfoContext(c.Request().Context(), "passkey refused", "route", c.Path(), "detail", detail)
	return passkeyInvalid(langOf(c))
}

// passkeyInvalid is the error of a refused passkey, in the language.
func passkeyInvalid(l *i18n.Lang) error {
	return &domain.Error{Code: domain.EINVALID, Reason: domain.ReasonPasskeyInvalid,
		Message: l.T("console.common.passkey.refused")}
}

// passkeyCookie is the cookie that holds a ceremony's token between its
// two steps: the browser sends it only to this site, for the ceremony's
// lifetime.
func (s *Server) passkeyCookie() string {
	if s.secure() {
		return "__Host-convene_passkey"
	}
	return "convene_passkey"
}

func (s *Server) setCeremony(c echo.Context, raw string) {
	c.SetCookie(&http.Cookie{Name: s.passkeyCookie(), Value: raw, Path: "/", HttpOnly: true, Secure: s.secure(),
		SameSite: http.SameSiteStrictMode, MaxAge: int(domain.PasskeyCeremonyLifetime / time.Second)})
}

// takeCeremony ends the ceremony the request's cookie names and returns
// its state; the cookie goes with it.
func (s *Server) takeCeremony(c echo.Context, kind domain.PasskeyCeremonyKind, organiserID string, into any) error {
	c.SetCookie(&http.Cookie{Name: s.passkeyCookie(), Value: "", Path: "/", HttpOnly: true, Secure: s.secure(),
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
	ck, err := c.Cookie(s.passkeyCookie())
	if err != nil || ck.Value == "" || len(ck.Value) > 100 {
		return ceremonyGone(langOf(c))
	}
	data, err := s.store.TakePasskeyCeremony(c.Request().Context(), ck.Value, kind, organiserID)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, into)
}

// ceremonyGone is the answer to a ceremony's second step without its
// first, in the language.
func ceremonyGone(l *i18n.Lang) error {
	return &domain.Error{Code: domain.EGONE, Reason: domain.ReasonPasskeyCeremonyGone,
		Message: l.T("console.common.passkey.gone")}
}

// startCeremony keeps a ceremony's state and gives the browser its token.
func (s *Server) startCeremony(c echo.Context, kind domain.PasskeyCeremonyKind, organiserID string, state any) error {
	data, err := json.Marshal(state)
	if err != nil {
		return err
	}
	raw, err := s.store.StartPasskeyCeremony(c.Request().Context(), kind, organiserID, data)
	if err != nil {
		return err
	}
	s.setCeremony(c, raw)
	return nil
}

// passkeyUser is an organiser as the WebAuthn library sees them: the user
// handle is their id (random, nothing personal), the names are what
// the authenticator shows when choosing a passkey.
type passkeyUser struct {
	o     domain.Organiser
	keys  []domain.Passkey
	creds []webauthn.Credential
}

func newPasskeyUser(o domain.Organiser, keys []domain.Passkey) (*passkeyUser, error) {
	u := &passkeyUser{o: o, keys: keys}
	for _, k := range keys {
		var cred webauthn.Credential
		if err := json.Unmarshal(k.Credential, &cred); err != nil {
			return nil, err
		}
		u.creds = append(u.creds, cred)
	}
	return u, nil
}

func (u *passkeyUser) WebAuthnID() []byte   { return []byte(u.o.ID) }
func (u *passkeyUser) WebAuthnName() string { return u.o.Email }
func (u *passkeyUser) WebAuthnDisplayName() string {
	if u.o.Name != "" {
		return u.o.Name
	}
	return u.o.Email
}
func (u *passkeyUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// passkeyOf is the stored passkey of a credential the library accepted.
func (u *passkeyUser) passkeyOf(credentialID []byte) (domain.Passkey, bool) {
	for _, k := range u.keys {
		if bytes.Equal(k.CredentialID, credentialID) {
			return k, true
		}
	}
	return domain.Passkey{}, false
}

// registration is what a registration ceremony keeps between its steps.
type registration struct {
	Session webauthn.SessionData `json:"session"`
	Name    string               `json:"name"`
}

// passkeyRegisterBegin answers the options of a new passkey for the
// signed-in organiser. The name (else the browser's description) is
// checked now, before the organiser touches their authenticator.
func (s *Server) passkeyRegisterBegin(c echo.Context) error {
	if s.passkeys == nil {
		return errNoPasskeys
	}
	o := organiser(c)
	name := strings.TrimSpace(c.FormValue("name"))
	if name == "" {
		name = domain.BrowserOf(c.Request().UserAgent())
	}
	var v domain.Validation
	domain.CheckPasskeyName(&v, "name", name)
	if fields, err := formErrors(langOf(c), v.Err()); err != nil {
		return err
	} else if fields != nil {
		return &domain.Error{Code: domain.EINVALID, Reason: domain.ReasonValidationFailed, Message: fields["name"]}
	}
	keys, err := s.store.ListPasskeys(c.Request().Context(), o.ID)
	if err != nil {
		return err
	}
	user, err := newPasskeyUser(o, keys)
	if err != nil {
		return err
	}
	// The passkeys the organiser has already are excluded: an
	// authenticator holding one says so rather than making a second.
	opts, session, err := s.passkeys.BeginRegistration(user,
		webauthn.WithExclusions(webauthn.Credentials(user.creds).CredentialDescriptors()))
	if err != nil {
		return err
	}
	if err := s.startCeremony(c, domain.PasskeyRegister, o.ID, registration{Session: *session, Name: name}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, opts)
}

// passkeyDone is what a finished ceremony answers: where the script goes.
type passkeyDone struct {
	Redirect string `json:"redirect"`
}

// passkeyRegisterFinish checks the new passkey and keeps it.
func (s *Server) passkeyRegisterFinish(c echo.Context) error {
	if s.passkeys == nil {
		return errNoPasskeys
	}
	ctx, o := c.Request().Context(), organiser(c)
	var reg registration
	if err := s.takeCeremony(c, domain.PasskeyRegister, o.ID, &reg); err != nil {
		return err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes([]byte(c.FormValue("credential")))
	if err != nil {
		return s.passkeyRefused(c, err)
	}
	keys, err := s.store.ListPasskeys(ctx, o.ID)
	if err != nil {
		return err
	}
	user, err := newPasskeyUser(o, keys)
	if err != nil {
		return err
	}
	cred, err := s.passkeys.CreateCredential(user, reg.Session, parsed)
	if err != nil {
		return s.passkeyRefused(c, err)
	}
	record, err := json.Marshal(cred)
	if err != nil {
		return err
	}
	if _, err := s.store.AddPasskey(ctx, o.ID, reg.Name, cred.ID, record); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, passkeyDone{Redirect: consolePrefix + "/account?done=passkey-added#passkeys"})
}

// passkeySignInBegin answers the options of signing in with a passkey.
// Nobody is named: the authenticator offers the passkeys it holds for
// this site (discoverable credentials), so no address is typed.
func (s *Server) passkeySignInBegin(c echo.Context) error {
	if s.passkeys == nil {
		return errNoPasskeys
	}
	opts, session, err := s.passkeys.BeginDiscoverableLogin()
	if err != nil {
		return err
	}
	if err := s.startCeremony(c, domain.PasskeySignIn, "", session); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, opts)
}

// passkeySignInFinish checks the assertion and starts a session, as a
// sign-in link does. A passkey whose signature counter did not go up (a
// sign, the WebAuthn specification says, that it may have been copied) is
// refused and left as it was.
func (s *Server) passkeySignInFinish(c echo.Context) error {
	if s.passkeys == nil {
		return errNoPasskeys
	}
	ctx := c.Request().Context()
	var session webauthn.SessionData
	if err := s.takeCeremony(c, domain.PasskeySignIn, "", &session); err != nil {
		return err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes([]byte(c.FormValue("credential")))
	if err != nil {
		return s.passkeyRefused(c, err)
	}
	var found *passkeyUser
	handler := func(rawID, userHandle []byte) (webauthn.User, error) {
		organiserID := string(userHandle)
		if !domain.ValidID(organiserID) {
			return nil, errors.New("the user handle is not an organiser's id")
		}
		keys, err := s.store.ListPasskeys(ctx, organiserID)
		if err != nil {
			return nil, err
		}
		found, err = newPasskeyUser(domain.Organiser{ID: organiserID}, keys)
		return found, err
	}
	_, cred, err := s.passkeys.ValidatePasskeyLogin(handler, session, parsed)
	if err != nil {
		if domain.ErrorCode(err) == domain.EUNAVAILABLE {
			return err // the database, not the passkey
		}
		return s.passkeyRefused(c, err)
	}
	if cred.Authenticator.CloneWarning {
		return s.passkeyRefused(c, errors.New("the signature counter did not increase: the authenticator may be cloned"))
	}
	key, ok := found.passkeyOf(cred.ID)
	if !ok {
		return s.passkeyRefused(c, errors.New("the credential is not the organiser's"))
	}
	record, err := json.Marshal(cred)
	if err != nil {
		return err
	}
	_, raw, err := s.store.SignInWithPasskey(ctx, found.o.ID, key.ID, record, domain.BrowserOf(c.Request().UserAgent()))
	if err != nil {
		return err
	}
	s.setSession(c, raw)
	return c.JSON(http.StatusOK, passkeyDone{Redirect: safeNext(c.FormValue("next"))})
}

// renamePasskeyPost renames one of the organiser's passkeys.
func (s *Server) renamePasskeyPost(c echo.Context) error {
	id, err := consoleID(c, "passkey_id", "passkey")
	if err != nil {
		return err
	}
	name := strings.TrimSpace(c.FormValue("name"))
	_, err = s.store.RenamePasskey(c.Request().Context(), organiser(c).ID, id, name)
	if fields, ferr := formErrors(langOf(c), err); ferr != nil {
		return ferr
	} else if fields != nil {
		return s.renderAccountWith(c, http.StatusUnprocessableEntity, accountForms{Rename: &renameForm{ID: id, Name: name, Error: fields["name"]}})
	}
	return c.Redirect(http.StatusSeeOther, consolePrefix+"/account?done=passkey-renamed#passkeys")
}

// removePasskeyPost removes one of the organiser's passkeys.
func (s *Server) removePasskeyPost(c echo.Context) error {
	id, err := consoleID(c, "passkey_id", "passkey")
	if err != nil {
		return err
	}
	if err := s.store.RemovePasskey(c.Request().Context(), organiser(c).ID, id); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, consolePrefix+"/account?done=passkey-removed#passkeys")
}

// offerPasskeys puts the passkey button on the sign-in page, with its
// script, when the service can have passkeys.
func (s *Server) offerPasskeys(d *signInData) {
	if s.passkeys != nil {
		d.Passkeys = true
		d.Meta.Script = staticURL["passkeys.js"]
	}
}
