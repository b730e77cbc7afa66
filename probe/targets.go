package probe

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/proxykit/proxykit/internal/quote"
)

// A TargetError reports a value [ParseTarget] cannot probe. Value is the
// input redacted (a password in it is never shown) and bounded.
type TargetError struct {
	Value   string
	Problem string // "want an https:// or http:// URL with a host", …
}

func (e *TargetError) Error() string { return fmt.Sprintf("probe target %q: %s", e.Value, e.Problem) }

// ParseTarget reads a URL to probe: https:// (or http://, checked up to the
// proxy's answer), with a host, and without credentials, since each
// consumer's own are sent: "https://registry-1.docker.io/". Errors are a
// *[TargetError].
func ParseTarget(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" {
		shown := s
		if err == nil {
			shown = u.Redacted()
		} else if i := strings.LastIndex(shown, "@"); i >= 0 {
			shown = "…" + shown[i:] // what precedes the last "@" may be a password
		}
		return nil, &TargetError{quote.Bounded(shown), "want an https:// or http:// URL with a host"}
	}
	if u.User != nil {
		return nil, &TargetError{quote.Bounded(u.Redacted()), "no credentials in the URL; each consumer's own are used"}
	}
	return u, nil
}

// MaxConcurrent bounds the probes [All] runs at once.
const MaxConcurrent = 8

// All probes every target for every consumer ([Probe]), at most
// [MaxConcurrent] at once, each bounded by timeout ([DefaultTimeout] when
// zero or less) and by ctx. The results come in order: for each target, one
// per consumer.
func All(ctx context.Context, consumers []Consumer, targets []*url.URL, timeout time.Duration) []Result {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	results := make([]Result, len(targets)*len(consumers))
	var wg sync.WaitGroup
	sem := make(chan struct{}, MaxConcurrent)
	for i, u := range targets {
		for j, c := range consumers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				pctx, cancel := context.WithTimeout(ctx, timeout)
				defer cancel()
				results[i*len(consumers)+j] = Probe(pctx, c, u)
			}()
		}
	}
	wg.Wait()
	return results
}
