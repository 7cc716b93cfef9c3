// Command badcookie is a broken plugin for the conformance tests: its magic
// cookie is not Pakyas's, so it refuses to serve.
package main

import (
	"context"

	plugin "github.com/hashicorp/go-plugin"

	"github.com/pakyas/pakyas/core/target"
)

type nop struct{}

func (nop) Send(context.Context, target.Event) (target.Result, error) { return target.Result{}, nil }

func main() {
	hs := target.Handshake
	hs.MagicCookieValue = "not-the-pakyas-cookie"
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  hs,
		VersionedPlugins: target.VersionedPlugins(nop{}),
		GRPCServer:       plugin.DefaultGRPCServer,
	})
}
