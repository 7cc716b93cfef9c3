// Command pager is a target plugin with a required global key (url) and
// an optional per-check key (severity): it applies to every check, and a
// check's table only overrides the severity.
package main

import (
	"context"
	"fmt"

	"github.com/pakyas/pakyas/core/target"
)

type pager struct{ severity string }

func (p *pager) Describe(context.Context) (target.Info, error) {
	return target.Info{Name: "pager", Version: "1.0.0", Schema: target.ConfigSchema{Fields: []target.Field{
		{Key: "url", Type: target.TypeString, Scope: target.ScopeGlobal, Required: true, Description: "where to page"},
		{Key: "severity", Type: target.TypeString, Scope: target.ScopeCheck, Description: "low or high (default low)"},
	}}}, nil
}

func (p *pager) Configure(_ context.Context, c target.Config) error {
	p.severity = "low"
	if v, ok := c.Check["severity"].(string); ok {
		p.severity = v
	}
	return nil
}

func (p *pager) Send(context.Context, target.Event) (target.Result, error) {
	return target.Result{Message: fmt.Sprintf("paged (severity %s)", p.severity)}, nil
}

func main() { target.Serve(&pager{}) }
