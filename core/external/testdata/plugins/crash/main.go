// Command crash is a target plugin that dies in the middle of Send.
package main

import (
	"context"
	"os"

	"github.com/pakyas/pakyas/core/target"
)

type crash struct{}

func (crash) Send(context.Context, target.Event) (target.Result, error) {
	os.Exit(2)
	return target.Result{}, nil
}

func main() { target.Serve(crash{}) }
