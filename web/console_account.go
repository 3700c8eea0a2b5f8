package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
	"github.com/convene/convene/notifications/present"
)

// The account page: where the organiser is signed in, and their API
// tokens.

type browserSession struct {
	ID       string
	Browser  string
	Method   string
	Since    string
	LastSeen string
	Current  bool
}

type tokenItem struct {
	ID       string
	Name     string
	Created  string
	Expires  string
	LastUsed string
}

type accountData struct {
	Meta     consoleMeta
	Email    string
	Sessions []browserSession
	Tokens   []tokenItem
	// NewToken is a token just made, shown only on this answer.
	NewToken  string
	TokenForm tokenForm
	// Passkeys are the organiser's passkeys; PasskeysOff says the service
	// cannot have any (console_passkeys.go); Rename is a rename form sent
	// back with its error.
	Passkeys    []passkeyItem
	PasskeysOff bool
	Rename      *renameForm
	NameMax     int
}

type passkeyItem struct {
	ID       string
	Name     string
	Created  string
	LastUsed string
	// Value and Error are its rename field's.
	Value, Error string
}

// renameForm is a passkey's rename form, shown again with its error.
type renameForm struct {
	ID, Name, Error string
}

// accountForms are the forms the account page shows again, filled in.
type accountForms struct {
	Token    tokenForm
	NewToken string
	Rename   *renameForm
}

type tokenForm struct {
	Name    string
	Expires string
	Errors  map[string]string
}

// consoleTime is an instant as the console shows it, in the language: in
// UTC, which every organiser of a group shares, with the zone named,
// "Monday 7 December 2026, 09:00 (UTC)".
func consoleTime(l *i18n.Lang, t time.Time) string {
	return l.T("console.common.utc", "Time", present.SpanIn(t, time.Time{}, time.UTC, format(l)))
}

// browserText is a session's browser in the language: the sessions keep
// domain.BrowserOf's English ("Firefox on Linux", "A browser on iOS",
// "Unknown browser"), whose names of browsers and systems are names.
func browserText(l *i18n.Lang, b string) string {
	if b == "Unknown browser" {
		return l.T("console.account.browser.unknown")
	}
	if system, ok := strings.CutPrefix(b, "A browser on "); ok {
		return l.T("console.account.browser.system", "System", system)
	}
	if browser, system, ok := strings.Cut(b, " on "); ok {
		return l.T("console.account.browser.on", "Browser", browser, "System", system)
	}
	return b
}

func (s *Server) accountPage(c echo.Context) error {
	return s.renderAccount(c, http.StatusOK, tokenForm{}, "")
}

func (s *Server) renderAccount(c echo.Context, status int, form tokenForm, newToken string) error {
	return s.renderAccountWith(c, status, accountForms{Token: form, NewToken: newToken})
}

func (s *Server) renderAccountWith(c echo.Context, status int, forms accountForms) error {
	ctx, l := c.Request().Context(), langOf(c)
	o := organiser(c)
	d := accountData{Meta: s.consoleMeta(c, l.T("console.account.title")), Email: o.Email, TokenForm: forms.Token, NewToken: forms.NewToken,
		Rename: forms.Rename, PasskeysOff: s.passkeys == nil, NameMax: domain.PasskeyNameMax}
	d.Meta.Section = "account"
	if s.passkeys != nil {
		d.Meta.Script = staticURL["passkeys.js"]
	}
	keys, err := s.store.ListPasskeys(ctx, o.ID)
	if err != nil {
		return err
	}
	for _, k := range keys {
		it := passkeyItem{ID: k.ID, Name: k.Name, Created: consoleTime(l, k.CreatedAt), Value: k.Name}
		if r := forms.Rename; r != nil && r.ID == k.ID {
			it.Value, it.Error = r.Name, r.Error
		}
		if k.LastUsedAt != nil {
			it.LastUsed = consoleTime(l, *k.LastUsedAt)
		}
		d.Passkeys = append(d.Passkeys, it)
	}
	sessions, err := s.store.ListSessions(ctx, o.ID)
	if err != nil {
		return err
	}
	cur := currentSession(c).ID
	for _, x := range sessions {
		method := l.T("console.account.session.by-link")
		if x.Method == domain.SignInByPasskey {
			method = l.T("console.account.session.by-passkey")
		}
		d.Sessions = append(d.Sessions, browserSession{ID: x.ID, Browser: browserText(l, x.Browser), Method: method,
			Since: consoleTime(l, x.CreatedAt), LastSeen: consoleTime(l, x.LastSeenAt), Current: x.ID == cur})
	}
	// An organiser has a handful of tokens: the first page is all of them.
	tokens, err := s.store.ListAPITokens(ctx, o.ID, domain.ListOptions{Limit: domain.MaxPageSize})
	if err != nil {
		return err
	}
	for _, t := range tokens.Items {
		it := tokenItem{ID: t.ID, Name: t.Name, Created: consoleTime(l, t.CreatedAt)}
		if t.ExpiresAt != nil {
			it.Expires = consoleTime(l, *t.ExpiresAt)
		}
		if t.LastUsedAt != nil {
			it.LastUsed = consoleTime(l, *t.LastUsedAt)
		}
		d.Tokens = append(d.Tokens, it)
	}
	return s.renderConsole(c, status, "account", d)
}

// createTokenPost makes an API token and shows it, once.
func (s *Server) createTokenPost(c echo.Context) error {
	form := tokenForm{Name: strings.TrimSpace(c.FormValue("name")), Expires: strings.TrimSpace(c.FormValue("expires"))}
	var expires *time.Time
	if form.Expires != "" {
		// A date: the token works until the end of that day, UTC.
		d, err := time.Parse("2006-01-02", form.Expires)
		if err != nil {
			form.Errors = map[string]string{"expires": langOf(c).T("console.account.token.expires.invalid")}
			return s.renderAccount(c, http.StatusUnprocessableEntity, form, "")
		}
		end := d.Add(24 * time.Hour)
		expires = &end
	}
	_, raw, err := s.store.CreateAPIToken(c.Request().Context(), organiser(c).ID, form.Name, expires)
	if fields, ferr := formErrors(langOf(c), err); ferr != nil {
		return ferr
	} else if fields != nil {
		if m, ok := fields["expires_at"]; ok {
			fields["expires"] = m
		}
		form.Errors = fields
		return s.renderAccount(c, http.StatusUnprocessableEntity, form, "")
	}
	return s.renderAccount(c, http.StatusCreated, tokenForm{}, raw)
}

// revokeTokenPost revokes one of the organiser's API tokens.
func (s *Server) revokeTokenPost(c echo.Context) error {
	id, err := consoleID(c, "token_id", "token")
	if err != nil {
		return err
	}
	if err := s.store.RevokeAPIToken(c.Request().Context(), organiser(c).ID, id); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, consolePrefix+"/account?done=token-revoked#tokens")
}
