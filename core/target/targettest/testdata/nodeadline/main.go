// Command nodeadline is a broken plugin for the conformance tests: its Send
// ignores the host's deadline and waits for its endpoint for ever.
package main

import (
	"context"
	"net/http"

	"github.com/pakyas/pakyas/core/target"
)

type stubborn struct{ url string }

func (*stubborn) Describe(context.Context) (target.Info, error) {
	return target.Info{Name: "nodeadline", Version: "0.0.1", Schema: target.ConfigSchema{Fields: []target.Field{
		{Key: "url", Type: target.TypeString, Scope: target.ScopeGlobal, Required: true, Description: "where events go"},
	}}}, nil
}

func (s *stubborn) Configure(_ context.Context, c target.Config) error {
	s.url = c.String("url")
	return nil
}

func (s *stubborn) Send(context.Context, target.Event) (target.Result, error) {
	resp, err := http.Post(s.url, "text/plain", nil) // the bug: no ctx
	if err != nil {
		return target.Result{}, err
	}
	resp.Body.Close()
	return target.Result{Message: resp.Status}, nil
}

func main() { target.Serve(&stubborn{}) }
