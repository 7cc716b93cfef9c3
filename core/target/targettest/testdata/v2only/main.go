// Command v2only is a plugin for the conformance tests that speaks only
// protocol version 2, which no pakyas knows yet.
package main

import (
	"context"

	plugin "github.com/hashicorp/go-plugin"

	"github.com/pakyas/pakyas/core/target"
)

type nop struct{}

func (nop) Send(context.Context, target.Event) (target.Result, error) { return target.Result{}, nil }

func main() {
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  target.Handshake,
		VersionedPlugins: map[int]plugin.PluginSet{2: target.PluginSet(nop{})},
		GRPCServer:       plugin.DefaultGRPCServer,
	})
}
