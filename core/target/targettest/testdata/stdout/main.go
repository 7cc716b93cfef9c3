// Command stdout is a broken plugin for the conformance tests: it prints to
// stdout before serving, which breaks go-plugin's handshake.
package main

import (
	"context"
	"fmt"

	"github.com/pakyas/pakyas/core/target"
)

type nop struct{}

func (nop) Send(context.Context, target.Event) (target.Result, error) { return target.Result{}, nil }

func main() {
	fmt.Println("starting up")
	target.Serve(nop{})
}
