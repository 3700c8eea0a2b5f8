package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/inbound"
	"github.com/convene/convene/store"
)

// inboundConfig reads CONVENE_INBOUND_DOMAIN and CONVENE_INBOUND_LISTEN.
func inboundConfig(cfg *Config, get func(string) string) error {
	d := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(get("CONVENE_INBOUND_DOMAIN")), "."))
	if d != "" && !domain.ValidEmail(domain.ReplyAddressPrefix+strings.Repeat("a", domain.ReplyTokenLen)+"@"+d) {
		return usageError{fmt.Sprintf("CONVENE_INBOUND_DOMAIN must be a mail domain such as events.example.org; got %q", d)}
	}
	cfg.InboundDomain = d
	if l := get("CONVENE_INBOUND_LISTEN"); l != "" {
		if _, _, _, err := inbound.ParseListen(l); err != nil {
			return usageError{"CONVENE_INBOUND_LISTEN: " + err.Error()}
		}
		cfg.InboundListen = l
	}
	return nil
}

// processor adapts the inbound processor to the API's webhook.
type processor struct{ p *inbound.Processor }

func (p processor) Process(ctx context.Context, raw []byte, rcpts []string, via domain.ReplyVia) error {
	_, err := p.p.Process(ctx, raw, rcpts, via)
	return err
}

// inboundProcessor is the one processor of calendar replies of a service.
func inboundProcessor(db *store.DB, cfg Config, log *slog.Logger) processor {
	return processor{&inbound.Processor{Store: db, Domain: cfg.InboundDomain, BaseURL: cfg.BaseURL, Logger: log}}
}

// exitTempFail is EX_TEMPFAIL (sysexits.h): a mail server that piped the
// message keeps it and tries again later.
const exitTempFail = 75

// tempFailError makes the process exit with exitTempFail.
type tempFailError struct{ err error }

func (e tempFailError) Error() string { return e.err.Error() }
func (e tempFailError) Unwrap() error { return e.err }

// cmdInbound applies the calendar reply in the message on standard input:
// the command for a .forward or pipe transport ("|convene inbound"). It
// exits 0 whatever the message was (a mail server would otherwise bounce
// it to the sender, saying whether an RSVP exists), and 75 when the
// database cannot be reached, so that the mail server tries again.
func cmdInbound(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("inbound [--to ADDRESS]...",
		"Reads one e-mail (RFC 5322) on standard input and applies the calendar reply in it.\n"+
			"Exits 0 whatever the message was, and 75 (try again) when the database is not available.")
	var to stringList
	fs.Var(&to, "to", "an envelope recipient (as Postfix's ${recipient}); repeatable. Without it, the message's headers say")
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		return err
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	if cfg.InboundDomain == "" {
		return usageError{"set CONVENE_INBOUND_DOMAIN, the domain of the reply addresses"}
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(stdin, inbound.MaxMessageSize+1)); err != nil {
		return tempFailError{fmt.Errorf("read the message: %w", err)}
	}
	log := newLogger(stderr)
	db, err := openStore(ctx, cfg, newClock(), log)
	if err != nil {
		return tempFailError{err}
	}
	defer db.Close()
	if _, err := inboundProcessor(db, cfg, log).p.Process(ctx, buf.Bytes(), to, domain.ViaPipe); err != nil {
		return tempFailError{errors.New("the database is not available; the mail server should try again")}
	}
	return nil
}

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }
