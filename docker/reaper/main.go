// Command reaper is a small stand-in for testcontainers' Ryuk, which cannot be fetched on
// these machines (no registry; the Go proxy refuses moby-ryuk). It speaks the same protocol
// that testcontainers-node 11 uses:
//
//   - it prints a line containing "Started" once it listens on TCP 8080, because the client
//     waits for /.*Started.*/ in the logs before connecting;
//   - a client sends lines "label=KEY=VALUE\r\n" (one per session, several per connection);
//     several filters on one line joined by "&" are ANDed, as in Ryuk; each accepted line
//     is answered "ACK\n";
//   - when every connection has closed and none comes back within RYUK_RECONNECTION_TIMEOUT
//     (or nobody connected within RYUK_CONNECTION_TIMEOUT), it force-removes every container
//     (with its anonymous volumes), then network, then volume that matches any received line,
//     then its own container, and exits.
//
// Settings (environment): RYUK_CONNECTION_TIMEOUT (default 60s), RYUK_RECONNECTION_TIMEOUT
// (default 10s), RYUK_VERBOSE (true/1: log connections and every line), RYUK_PORT (8080),
// DOCKER_HOST (only unix://PATH; default unix:///var/run/docker.sock).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

func main() {
	log.SetOutput(os.Stdout)
	log.SetFlags(log.LstdFlags | log.LUTC)
	verbose := os.Getenv("RYUK_VERBOSE") == "true" || os.Getenv("RYUK_VERBOSE") == "1"
	connTimeout := envDuration("RYUK_CONNECTION_TIMEOUT", 60*time.Second)
	reconnTimeout := envDuration("RYUK_RECONNECTION_TIMEOUT", 10*time.Second)
	port := envOr("RYUK_PORT", "8080")
	docker := newDocker(strings.TrimPrefix(envOr("DOCKER_HOST", "unix:///var/run/docker.sock"), "unix://"))

	ln, err := net.Listen("tcp", ":"+port)
	if err != nil {
		log.Fatalf("cannot listen on :%s: %v", port, err)
	}
	log.Printf("Started: listening on :%s (connection timeout %s, reconnection timeout %s)", port, connTimeout, reconnTimeout)

	filters := &filterSet{seen: map[string][]string{}}
	events := make(chan int) // +1 when a client connects, -1 when it goes away
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return // listener closed: reaping has begun
			}
			events <- 1
			go func() { serve(c, filters, verbose); events <- -1 }()
		}
	}()

	waitUntilIdle(events, connTimeout, reconnTimeout)
	ln.Close() // a client arriving now would register filters we no longer read
	self := selfID(docker)
	prune(docker, filters.list(), self)
	if self != "" {
		// Our container has done its job; nobody else would remove it (testcontainers does not
		// start it with auto-remove). Docker kills this process while answering.
		log.Printf("removing own container %.12s", self)
		docker.remove("container", self, "/containers/"+self, url.Values{"force": {"1"}, "v": {"1"}})
	}
	log.Printf("done")
}

// waitUntilIdle returns once no client is connected and none has (re)connected in time.
func waitUntilIdle(events <-chan int, connTimeout, reconnTimeout time.Duration) {
	timer := time.NewTimer(connTimeout) // go >= 1.23: Stop/Reset need no channel draining
	open, ever := 0, false
	for {
		select {
		case d := <-events:
			open += d
			if open > 0 {
				ever = true
				timer.Stop()
			} else {
				log.Printf("all clients disconnected; reaping in %s unless one reconnects", reconnTimeout)
				timer.Reset(reconnTimeout)
			}
		case <-timer.C:
			if !ever {
				log.Printf("no client connected within %s", connTimeout)
			}
			return
		}
	}
}

// serve reads filter lines from one client until it disconnects.
func serve(c net.Conn, filters *filterSet, verbose bool) {
	defer c.Close()
	if verbose {
		log.Printf("client %s connected", c.RemoteAddr())
		defer log.Printf("client %s disconnected", c.RemoteAddr())
	}
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text()) // drops the "\r" of "\r\n"
		if line == "" {
			continue
		}
		labels, err := parseLine(line)
		if err != nil {
			log.Printf("rejected %q: %v", line, err)
			fmt.Fprintf(c, "ERROR %v\n", err)
			continue
		}
		if filters.add(labels) || verbose {
			log.Printf("filter: label=%s", strings.Join(labels, " AND label="))
		}
		fmt.Fprint(c, "ACK\n")
	}
}

// parseLine accepts only label filters: any other key (or none) could widen the match,
// and an empty filter would match every container on the host.
func parseLine(line string) ([]string, error) {
	q, err := url.ParseQuery(line)
	if err != nil {
		return nil, err
	}
	var labels []string
	for key, values := range q {
		if key != "label" {
			return nil, fmt.Errorf("unsupported filter %q (only label=KEY[=VALUE])", key)
		}
		for _, v := range values {
			if v == "" || strings.HasPrefix(v, "=") {
				return nil, fmt.Errorf("empty label")
			}
			labels = append(labels, v)
		}
	}
	if len(labels) == 0 {
		return nil, fmt.Errorf("no label filter")
	}
	sort.Strings(labels)
	return labels, nil
}

// filterSet holds the distinct lines received from all clients.
type filterSet struct {
	mu   sync.Mutex
	seen map[string][]string
}

func (f *filterSet) add(labels []string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := strings.Join(labels, "&")
	if _, ok := f.seen[key]; ok {
		return false
	}
	f.seen[key] = labels
	return true
}

func (f *filterSet) list() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out [][]string
	for _, labels := range f.seen {
		out = append(out, labels)
	}
	return out
}

// prune removes containers first (force, with volumes), then networks and volumes, which
// Docker refuses to remove while a container still uses them. A pass that fails is repeated
// a few times, since a container removal can briefly hold its network.
func prune(d *docker, filters [][]string, self string) {
	if len(filters) == 0 {
		log.Printf("no filters received; nothing to remove")
		return
	}
	for attempt := 1; attempt <= 10; attempt++ {
		if pruneOnce(d, filters, self) == 0 {
			return
		}
		time.Sleep(time.Second)
	}
	log.Printf("gave up; some resources were left behind")
}

func pruneOnce(d *docker, filters [][]string, self string) (failed int) {
	for _, f := range filters {
		var cs []struct{ Id string }
		if err := d.list("/containers/json", f, url.Values{"all": {"1"}}, &cs); err != nil {
			failed++
		}
		for _, c := range cs {
			if c.Id != self { // self goes last, after everything else
				failed += d.remove("container", c.Id, "/containers/"+c.Id, url.Values{"force": {"1"}, "v": {"1"}})
			}
		}
	}
	for _, f := range filters {
		var ns []struct{ Id, Name string }
		if err := d.list("/networks", f, nil, &ns); err != nil {
			failed++
		}
		for _, n := range ns {
			failed += d.remove("network", n.Name, "/networks/"+n.Id, nil)
		}
	}
	for _, f := range filters {
		var vs struct{ Volumes []struct{ Name string } }
		if err := d.list("/volumes", f, nil, &vs); err != nil {
			failed++
		}
		for _, v := range vs.Volumes {
			failed += d.remove("volume", v.Name, "/volumes/"+url.PathEscape(v.Name), nil)
		}
	}
	return failed
}

// selfID finds our own container id. Docker bind-mounts /etc/hostname from
// .../containers/<id>/hostname, which mountinfo shows even when --hostname was set;
// failing that, the hostname is the short id by default.
func selfID(d *docker) string {
	if b, err := os.ReadFile("/proc/self/mountinfo"); err == nil {
		if m := regexp.MustCompile(`/containers/([0-9a-f]{64})/hostname`).FindSubmatch(b); m != nil {
			return string(m[1])
		}
	}
	h, _ := os.Hostname()
	var c struct{ Id string }
	// Check the answer is an id starting with the hostname, not a container that is *named* so.
	if _, err := d.do("GET", "/containers/"+url.PathEscape(h)+"/json", nil, &c); h != "" && err == nil && strings.HasPrefix(c.Id, h) {
		return c.Id
	}
	log.Printf("not running in a container (or cannot tell which): will not remove myself")
	return ""
}

// docker is a minimal Docker Engine API client over the unix socket. Paths carry no API
// version, so the engine answers with its own (a fixed old one is refused by newer engines).
type docker struct{ http *http.Client }

func newDocker(socket string) *docker {
	dial := func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", socket)
	}
	return &docker{&http.Client{Transport: &http.Transport{DialContext: dial}, Timeout: 2 * time.Minute}}
}

// do sends one request and decodes a JSON answer into out; it returns the HTTP status.
func (d *docker) do(method, path string, q url.Values, out any) (int, error) {
	req, err := http.NewRequest(method, "http://docker"+path+"?"+q.Encode(), nil)
	if err != nil {
		return 0, err
	}
	resp, err := d.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	if out != nil {
		return resp.StatusCode, json.Unmarshal(body, out)
	}
	return resp.StatusCode, nil
}

// list asks for the objects whose labels match all of one line's filters.
func (d *docker) list(path string, labels []string, q url.Values, out any) error {
	f, _ := json.Marshal(map[string][]string{"label": labels})
	if q == nil {
		q = url.Values{}
	}
	q.Set("filters", string(f))
	_, err := d.do("GET", path, q, out)
	if err != nil {
		log.Printf("cannot list %s: %v", path, err)
	}
	return err
}

// remove deletes one object and returns 1 if it is still there.
func (d *docker) remove(kind, name, path string, q url.Values) int {
	status, err := d.do("DELETE", path, q, nil)
	switch {
	case err == nil:
		log.Printf("removed %s %.64s", kind, name)
	case status == http.StatusNotFound:
		// already gone, e.g. an auto-remove container
	default:
		log.Printf("cannot remove %s %s: %v", kind, name, err)
		return 1
	}
	return 0
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		log.Printf("ignoring %s=%q (%v); using %s", name, v, err, def)
		return def
	}
	return d
}
