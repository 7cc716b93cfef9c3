// Command hang is a target plugin that never answers Send, ignoring its
// deadline: the host must give up after the external timeout and kill it.
package main

import (
	"context"

	"github.com/pakyas/pakyas/core/target"
)

type hang struct{}

func (hang) Send(context.Context, target.Event) (target.Result, error) {
	select {}
}

func main() { target.Serve(hang{}) }
