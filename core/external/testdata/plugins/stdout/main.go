// Command stdout is a target plugin that prints to stdout, which go-plugin
// owns: the handshake fails.
package main

import (
	"context"
	"fmt"

	"github.com/pakyas/pakyas/core/target"
)

type noisy struct{}

func (noisy) Send(context.Context, target.Event) (target.Result, error) {
	return target.Result{}, nil
}

func main() {
	fmt.Println("hello from a plugin that should not print here")
	target.Serve(noisy{})
}
