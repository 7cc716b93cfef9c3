package pluginview

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/pakyas/pakyas/core/console"
	"github.com/pakyas/pakyas/core/external"
	"github.com/pakyas/pakyas/core/target"
	"github.com/pakyas/pakyas/core/target/targettest"
)

func TestPluginViews(t *testing.T) {
	var b bytes.Buffer
	p := &console.Printer{W: &b}
	Plugins(p, []external.Summary{
		{Name: "pagerduty", AppliesTo: []string{}},
		{Name: "webhook", Installed: true, Bundled: true, Version: "1.0.0", ProtocolVersion: 1, AppliesTo: []string{"all checks"}, Path: "/bin/pakyas-target-webhook"},
	})
	assert.Equal(t, "NAME       VERSION  PROTOCOL  BUNDLED  APPLIES TO  PATH\n"+
		"pagerduty  -                  no       -           (not installed)\n"+
		"webhook    1.0.0    1         yes      all checks  /bin/pakyas-target-webhook\n", b.String())

	b.Reset()
	info := NewPluginInfo(external.Summary{Name: "pager", Installed: true, Version: "2", AppliesTo: []string{},
		Schema: []target.Field{{Key: "url", Type: target.TypeString, Scope: target.ScopeGlobal, Required: true, Description: "where"}}}, "abc")
	Plugin(p, info)
	assert.Contains(t, b.String(), "SHA-256:     abc\n")
	assert.Contains(t, b.String(), "  url  string  [targets.pager]  yes       where\n")
	assert.Contains(t, b.String(), "Example (external_monitors.toml):\n  [targets.pager]\n  url = \"...\"\n")
	assert.Equal(t, []Field{{Key: "url", Type: "string", Scope: "global", Required: true, Description: "where"}}, info.Config)

	b.Reset()
	assert.Equal(t, 1, Conformance(p, []targettest.Result{{Step: "handshake", Status: targettest.Pass, Message: "ok"}, {Step: "describe", Status: targettest.Fail, Message: "bad\x1b"}}))
	assert.Equal(t, "PASS  handshake     ok\nFAIL  describe      bad\\x1b\n", b.String())
}
