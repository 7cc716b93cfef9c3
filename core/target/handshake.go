package target

import (
	"context"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	targetv1 "github.com/pakyas/pakyas/proto/target/v1"
)

// ProtocolVersion is the version of the plugin protocol this SDK speaks
// (proto/target/v1). A future v2 is negotiated through VersionedPlugins, so a
// host can keep talking to v1 plugins.
const ProtocolVersion = 1

// PluginName is the name under which a plugin serves its target, the key of
// the go-plugin plugin set.
const PluginName = "target"

// Handshake is the go-plugin handshake shared by pakyas and every target
// plugin. The magic cookie is not a security measure: it only keeps a plugin
// executed by hand from starting a server. Treat it as a constant.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "PAKYAS_TARGET_PLUGIN",
	MagicCookieValue: "3c9d1a0e6b7f4e21a5d8c2f09b64e7d1",
}

// PluginSet returns the go-plugin plugin set serving impl; on the host side
// impl is nil. Use it with plugin.TestPluginGRPCConn in a plugin's tests.
func PluginSet(impl Target) plugin.PluginSet {
	return plugin.PluginSet{PluginName: &GRPCPlugin{Impl: impl}}
}

// VersionedPlugins returns the plugin sets by protocol version, for
// plugin.ServeConfig and plugin.ClientConfig; on the host side impl is nil.
func VersionedPlugins(impl Target) map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{ProtocolVersion: PluginSet(impl)}
}

// GRPCPlugin is the go-plugin glue for both sides: on the plugin side it
// registers Impl as the TargetService; on the host side it dispenses a
// *Client. It speaks gRPC only.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	// Impl is the target being served; nil on the host side.
	Impl Target
}

var (
	_ plugin.GRPCPlugin = (*GRPCPlugin)(nil)
	_ plugin.Plugin     = (*GRPCPlugin)(nil)
)

// GRPCServer registers the target on the plugin's gRPC server.
func (p *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	targetv1.RegisterTargetServiceServer(s, newServer(p.Impl))
	return nil
}

// GRPCClient returns a *Client speaking to the plugin over c.
func (p *GRPCPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &Client{rpc: targetv1.NewTargetServiceClient(c)}, nil
}
