package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// asCommandEnv makes this test binary act as the convene command itself
// (TestMain calls main), so that tests and the README's recipes can run
// "convene …" as a process without building anything. The process reads
// the computer's clock, as the real command does.
const asCommandEnv = "CONVENE_TEST_AS_COMMAND"

// conveneCommand writes an executable "convene" into dir that runs this
// test binary as the convene command, and returns its path.
func conveneCommand(t testing.TB, dir string) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	quoted := "'" + strings.ReplaceAll(self, "'", `'\''`) + "'"
	path := filepath.Join(dir, "convene")
	script := "#!/bin/sh\n# convene, as the tests run it: the test binary acting as the command.\n" +
		asCommandEnv + "=1 exec " + quoted + ` "$@"` + "\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// commandEnv is the environment a convene process gets in tests: this
// process's, without any CONVENE_ variable the developer may have set (nor
// the test database's), plus env.
func commandEnv(env map[string]string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CONVENE_") {
			out = append(out, kv)
		}
	}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// runCommand runs convene with args and env as a process, and returns its
// exit status and output.
func runCommand(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(conveneCommand(t, dir), args...)
	cmd.Dir = dir
	cmd.Env = commandEnv(env)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("convene %v: %v", args, err)
	}
	return code, out.String(), errOut.String()
}

// TestCommandExitCodes runs the command as a process: help asked for
// succeeds, with the usage on standard output; a command line or a
// configuration that cannot be used exits 2 with a message.
func TestCommandExitCodes(t *testing.T) {
	for _, c := range []struct {
		args        []string
		env         map[string]string
		code        int
		out, errOut string
	}{
		{args: []string{"help"}, out: "Configuration (environment variables):"},
		{args: []string{"--help"}, out: "Usage:"},
		{args: []string{"serve", "--help"}, out: "Usage: convene serve"},
		{args: []string{"serve", "-h"}, out: "Usage: convene serve"},
		{args: []string{"migrate", "--help"}, out: "Usage: convene migrate"},
		{args: []string{"organiser", "add", "--help"}, out: "Usage: convene organiser add"},
		{args: []string{"organiser", "--help"}, out: "Usage: convene organiser add"},
		{args: []string{"version"}, out: "convene "},
		{args: nil, code: 2, errOut: "no command given"},
		{args: []string{"frobnicate"}, code: 2, errOut: `unknown command "frobnicate"`},
		{args: []string{"serve", "--bogus"}, code: 2, errOut: "flag provided but not defined"},
		{args: []string{"serve"}, env: map[string]string{"CONVENE_BASE_URL": "127.0.0.1:8082"}, code: 2,
			errOut: "CONVENE_BASE_URL must be the service's public address as an absolute http:// or https:// URL"},
	} {
		env := map[string]string{"CONVENE_DATA_DIR": t.TempDir()}
		for k, v := range c.env {
			env[k] = v
		}
		code, out, errOut := runCommand(t, env, c.args...)
		// Errors go to standard error only: scripts read standard output.
		if code != c.code || !strings.Contains(out, c.out) || !strings.Contains(errOut, c.errOut) || code != 0 && out != "" {
			t.Errorf("convene %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(c.args, " "), code, c.code, out, errOut)
		}
	}
}

func TestExitCode(t *testing.T) {
	ctx := context.Background()
	if err := run(ctx, []string{"serve", "--help"}, envFrom(nil), &bytes.Buffer{}, &bytes.Buffer{}); exitCode(err) != 0 {
		t.Errorf("serve --help: %v, exit code %d, want 0", err, exitCode(err))
	}
	if c := exitCode(nil); c != 0 {
		t.Errorf("exitCode(nil) = %d", c)
	}
	if c := exitCode(usageError{"x"}); c != 2 {
		t.Errorf("usage error: exit code %d", c)
	}
	if c := exitCode(errors.New("database down")); c != 1 {
		t.Errorf("other error: exit code %d", c)
	}
}

// TestHelpShowsDefaults: every variable is listed; those with a default
// show it, those without say nothing about one.
func TestHelpShowsDefaults(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"help"}, envFrom(nil), &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	help := out.String()
	if strings.Contains(help, "(empty)") || strings.Contains(help, "(default )") {
		t.Errorf("help prints an empty default:\n%s", help)
	}
	lines := map[string]string{}
	for _, l := range strings.Split(help, "\n") {
		if f := strings.Fields(l); len(f) > 1 && strings.HasPrefix(f[0], "CONVENE_") {
			lines[f[0]] = l
		}
	}
	for _, v := range envVars {
		l, ok := lines[v[0]]
		switch {
		case !ok:
			t.Errorf("help does not list %s", v[0])
		case v[1] == "" && strings.Contains(l, "(default"):
			t.Errorf("%s has no default, but help says: %s", v[0], l)
		case v[1] != "" && !strings.HasSuffix(l, "(default "+v[1]+")"):
			t.Errorf("%s: help does not give its default %q: %s", v[0], v[1], l)
		}
	}
	if !strings.Contains(lines["CONVENE_LISTEN"], "(default 127.0.0.1:8080)") {
		t.Errorf("CONVENE_LISTEN: %q", lines["CONVENE_LISTEN"])
	}
}

func TestBaseURLMustBeAbsolute(t *testing.T) {
	for raw, want := range map[string]string{
		"http://127.0.0.1:8080":              "http://127.0.0.1:8080",
		"https://events.example.org/":        "https://events.example.org",
		"https://events.example.org/convene": "https://events.example.org/convene",
		"http://[::1]:8080":                  "http://[::1]:8080",
	} {
		cfg, err := loadConfig(envFrom(map[string]string{"CONVENE_BASE_URL": raw}))
		if err != nil || cfg.BaseURL != want {
			t.Errorf("%q: %q, %v; want %q", raw, cfg.BaseURL, err, want)
		}
	}
	for _, raw := range []string{
		"127.0.0.1:8082", "localhost:8082", "events.example.org", "/convene", "ftp://events.example.org",
		"http://", "http://:8080", "https://user:pw@events.example.org", "https://events.example.org/?x=1",
		"https://events.example.org?", "https://events.example.org/#top", "mailto:events@example.org", "http:events.example.org",
	} {
		_, err := loadConfig(envFrom(map[string]string{"CONVENE_BASE_URL": raw}))
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "CONVENE_BASE_URL must be") {
			t.Errorf("%q accepted or refused badly: %v", raw, err)
		}
	}
}

// TestSecretsFromFiles: each secret is read from the environment or from
// the file its _FILE variable names, never both, and no error repeats it.
func TestSecretsFromFiles(t *testing.T) {
	secrets := []struct {
		name, value string
		get         func(Config) string
	}{
		{"CONVENE_DATABASE_URL", "postgres://convene:s3cret-pw@db.example.org:5432/convene?sslmode=require", func(c Config) string { return c.DatabaseURL }},
		{"CONVENE_SMTP_URL", "smtp://apikey:s3cret-pw@smtp.example.org:587?tls=starttls", func(c Config) string { return c.SMTPURL }},
		{"CONVENE_METRICS_TOKEN", "s3cret-pw-metrics", func(c Config) string { return c.MetricsToken }},
	}
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, s := range secrets {
		t.Run(s.name, func(t *testing.T) {
			// From the environment, as before.
			cfg, err := loadConfig(envFrom(map[string]string{s.name: s.value}))
			if err != nil || s.get(cfg) != s.value {
				t.Fatalf("from the environment: %q, %v", s.get(cfg), err)
			}
			// From a file, with or without one trailing line break.
			for _, content := range []string{s.value, s.value + "\n", s.value + "\r\n"} {
				cfg, err := loadConfig(envFrom(map[string]string{s.name + "_FILE": write("secret", content)}))
				if err != nil || s.get(cfg) != s.value {
					t.Errorf("from a file holding %q: %q, %v", content, s.get(cfg), err)
				}
			}
			// Refused, with a message that names the variable and never
			// holds the secret.
			for what, env := range map[string]map[string]string{
				"both set":              {s.name: s.value, s.name + "_FILE": write("both", s.value)},
				"no such file":          {s.name + "_FILE": filepath.Join(dir, "missing")},
				"empty file":            {s.name + "_FILE": write("empty", "")},
				"only a line break":     {s.name + "_FILE": write("newline", "\n")},
				"two trailing breaks":   {s.name + "_FILE": write("two", s.value+"\n\n")},
				"more than one line":    {s.name + "_FILE": write("lines", s.value+"\nmore\n")},
				"a directory as a file": {s.name + "_FILE": dir},
			} {
				_, err := loadConfig(envFrom(env))
				if exitCode(err) != 2 || !strings.Contains(err.Error(), s.name) {
					t.Errorf("%s: %v (exit code %d), want a usage error naming %s", what, err, exitCode(err), s.name)
				} else if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("%s: the error shows the secret: %v", what, err)
				}
			}
		})
	}
	// Unset, both stay empty: SQLite, .eml files, /metrics open.
	cfg, err := loadConfig(envFrom(nil))
	if err != nil || cfg.DatabaseURL != "" || cfg.SMTPURL != "" || cfg.MetricsToken != "" {
		t.Fatalf("defaults: %+v, %v", cfg, err)
	}
}

// TestSecretFilesServe: the service asks /metrics for the token read from
// its file and sends e-mail through the SMTP server read from its file,
// and prints neither secret.
func TestSecretFilesServe(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "metrics-token")
	if err := os.WriteFile(file, []byte("token-from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	smtpFile := filepath.Join(dir, "smtp-url")
	if err := os.WriteFile(smtpFile, []byte("smtp://mailer:smtp-pw-from-a-file@127.0.0.1:2525?tls=none\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	in := startServe(t, map[string]string{"CONVENE_DATA_DIR": dir, "CONVENE_METRICS_TOKEN_FILE": file, "CONVENE_SMTP_URL_FILE": smtpFile})
	if !strings.Contains(in.stderr.String(), `"msg":"e-mails go through SMTP","server":"smtp://mailer:xxxxx@127.0.0.1:2525?tls=none"`) {
		t.Errorf("serve does not say it sends through the SMTP server of the file:\n%s", in.stderr)
	}
	for token, want := range map[string]int{"": http.StatusUnauthorized, "token-from-a-file\n": http.StatusUnauthorized,
		"wrong": http.StatusUnauthorized, "token-from-a-file": http.StatusOK} {
		req, _ := http.NewRequest("GET", in.base+"/metrics", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			// A header value with a line break is refused by the client.
			if strings.Contains(token, "\n") {
				continue
			}
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("/metrics with %q: %d, want %d", token, res.StatusCode, want)
		}
	}
	for _, secret := range []string{"token-from-a-file", "smtp-pw-from-a-file"} {
		if strings.Contains(in.stderr.String(), secret) || strings.Contains(in.stdout.String(), secret) {
			t.Errorf("serve printed a secret (%s)", secret)
		}
	}
}
