// Command panicsend is a broken plugin for the conformance tests: its Send
// panics.
package main

import (
	"context"

	"github.com/pakyas/pakyas/core/target"
)

type panicky struct{}

func (panicky) Describe(context.Context) (target.Info, error) {
	return target.Info{Name: "panicsend", Version: "0.0.1"}, nil
}

func (panicky) Send(context.Context, target.Event) (target.Result, error) {
	var m map[string]int
	m["boom"]++ // assignment to a nil map
	return target.Result{}, nil
}

func main() { target.Serve(panicky{}) }
