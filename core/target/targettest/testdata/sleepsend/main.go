// Command sleepsend is a broken plugin for the conformance tests: its Send
// sleeps, ignoring the host's deadline.
package main

import (
	"context"
	"time"

	"github.com/pakyas/pakyas/core/target"
)

type sleeper struct{}

func (sleeper) Describe(context.Context) (target.Info, error) {
	return target.Info{Name: "sleepsend", Version: "0.0.1"}, nil
}

func (sleeper) Send(context.Context, target.Event) (target.Result, error) {
	time.Sleep(time.Minute) // the bug: no ctx
	return target.Result{Message: "late"}, nil
}

func main() { target.Serve(sleeper{}) }
