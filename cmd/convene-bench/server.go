package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is a "convene serve" child process.
type server struct {
	cmd    *exec.Cmd
	base   string // http://127.0.0.1:port
	token  string // the bootstrap organiser's API token, if serve printed one
	env    []string
	binary string
	stderr *tail
	done   chan error
}

// tail keeps the last bytes a process wrote, for error messages.
type tail struct {
	mu sync.Mutex
	b  []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > 64<<10 {
		t.b = append([]byte(nil), t.b[len(t.b)-32<<10:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// buildConvene builds ./cmd/convene into dir and returns the binary's path.
func buildConvene(ctx context.Context, dir string) (string, error) {
	out := filepath.Join(dir, "convene")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/convene")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/convene (run the tool from the repository root, or pass -binary): %w", err)
	}
	return out, nil
}

var (
	listenRE = regexp.MustCompile(`"msg":"listening","addr":"([^"]+)"`)
	tokenRE  = regexp.MustCompile(`^cvn_[A-Za-z0-9_-]+$`)
)

// startServer runs "convene serve" on 127.0.0.1:0 and waits for its
// "listening" log line.
func startServer(binary string, env []string) (*server, error) {
	env = append(env, "CONVENE_LISTEN=127.0.0.1:0")
	s := &server{binary: binary, env: env, stderr: &tail{}, done: make(chan error, 1)}
	s.cmd = exec.Command(binary, "serve")
	s.cmd.Env = append(os.Environ(), env...)
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	tokc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); tokenRE.MatchString(l) {
				select {
				case tokc <- l:
				default:
				}
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			l := sc.Text()
			s.stderr.Write([]byte(l + "\n"))
			if m := listenRE.FindStringSubmatch(l); m != nil {
				select {
				case addrc <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	go func() { s.done <- s.cmd.Wait() }()
	select {
	case addr := <-addrc:
		s.base = "http://" + addr
	case err := <-s.done:
		return nil, fmt.Errorf("convene serve exited early: %v\n%s", err, s.stderr)
	case <-time.After(60 * time.Second):
		s.cmd.Process.Kill()
		return nil, fmt.Errorf("convene serve did not start listening within 60s\n%s", s.stderr)
	}
	// The token is printed before the server listens.
	select {
	case s.token = <-tokc:
	case <-time.After(200 * time.Millisecond):
	}
	return s, nil
}

// addOrganiser creates an organiser with "convene organiser add" and
// returns its token (for a database that already had one).
func (s *server) addOrganiser(ctx context.Context, email string) (string, error) {
	cmd := exec.CommandContext(ctx, s.binary, "organiser", "add", "--email", email, "--name", "Bench")
	cmd.Env = append(os.Environ(), s.env...)
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("convene organiser add: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// peakRSS returns the child's VmHWM (peak resident set) in bytes; 0 when
// the tool did not start the server (-url) or cannot read /proc.
func (s *server) peakRSS() int64 {
	if s == nil {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			if f := strings.Fields(rest); len(f) >= 1 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

// cpuSeconds returns the CPU time (user and system) the child has used so
// far; 0 when the tool did not start the server or cannot read /proc.
func (s *server) cpuSeconds() float64 {
	if s == nil {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command's name, which is in parentheses and may
	// hold spaces: state is the 3rd field of stat, utime the 14th and
	// stime the 15th, in clock ticks of 1/100 s (USER_HZ on Linux).
	rest := string(b)
	if i := strings.LastIndexByte(rest, ')'); i >= 0 {
		rest = rest[i+1:]
	}
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100
}

// stop sends SIGTERM and waits for the process to end.
func (s *server) stop() {
	if s == nil || s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// claimBatches reads the server's RSVP claim batches by size from
// /metrics (convene_rsvp_claim_batches_total); nil when it has none
// (SQLite, or a server that does not batch).
func claimBatches(ctx context.Context, base string) map[string]int64 {
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/metrics", nil)
	if err != nil {
		return nil
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil
	}
	defer res.Body.Close()
	out := map[string]int64{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		m := claimBatchLineRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		if n, err := strconv.ParseFloat(m[2], 64); err == nil && n > 0 {
			out[m[1]] = int64(n)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// claimBatchesSince is the server's claim batches by size since it had
// before (from claimBatches); nil when it has none.
func claimBatchesSince(ctx context.Context, base string, before map[string]int64) map[string]int64 {
	after := claimBatches(ctx, base)
	if after == nil {
		return nil
	}
	d := map[string]int64{}
	for k, v := range after {
		if n := v - before[k]; n > 0 {
			d[k] = n
		}
	}
	return d
}

var claimBatchLineRE = regexp.MustCompile(`^convene_rsvp_claim_batches_total\{size="([^"]+)"\} ([0-9.e+]+)$`)

// profileCPU takes a CPU profile of the server for about d, in the
// background, into dir/name.pprof (nothing when dir is ""); the returned
// func waits for it.
func profileCPU(ctx context.Context, base, dir, name string, d time.Duration) (wait func()) {
	if dir == "" {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		url := fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", base, max(1, int(d.Round(time.Second)/time.Second)))
		req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
		if err != nil {
			return
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println("warning: CPU profile:", err)
			return
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			fmt.Println("warning: CPU profile: status", res.StatusCode)
			return
		}
		path := filepath.Join(dir, name+".pprof")
		f, err := os.Create(path)
		if err != nil {
			fmt.Println("warning: CPU profile:", err)
			return
		}
		_, err = io.Copy(f, res.Body)
		if err = errors.Join(err, f.Close()); err != nil {
			fmt.Println("warning: CPU profile:", err)
			return
		}
		fmt.Printf("   CPU profile of the server (%s): %s\n", d, path)
	}()
	return func() { <-done }
}
