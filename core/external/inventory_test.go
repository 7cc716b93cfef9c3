package external_test

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/external"
	"github.com/pakyas/pakyas/core/target"
	"github.com/pakyas/pakyas/core/target/targettest"
)

func TestSkeleton(t *testing.T) {
	fields := []target.Field{
		{Key: "url", Type: target.TypeString, Scope: target.ScopeGlobal, Required: true},
		{Key: "timeout", Type: target.TypeInt, Scope: target.ScopeGlobal},
		{Key: "uuid", Type: target.TypeString, Scope: target.ScopeCheck, Required: true},
	}
	assert.Equal(t, "  [targets.pager]\n  url = \"...\"\n  # timeout = 0  (optional)\n"+
		"  [checks.\"backup-db\".targets.pager]\n  uuid = \"...\"\n", external.Skeleton("pager", fields))
	assert.Equal(t, "  [targets.hook]\n", external.Skeleton("hook", nil))
}

// TestInventory: installed plugins are launched and described; a
// configured one that is not installed is listed with what to do.
func TestInventory(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("unix sockets")
	}
	dir := install(t, "webhook", "stdout")
	cfg := load(t, "[targets.webhook]\nurl = \"http://127.0.0.1:1/\"\n[targets.pagerduty]\n")
	rows := external.Inventory(context.Background(), []external.Dir{{Path: dir}}, cfg, false, nil)
	require.Len(t, rows, 3)
	assert.Equal(t, "pagerduty", rows[0].Name)
	assert.False(t, rows[0].Installed)
	assert.Contains(t, rows[0].Error, "no plugin pakyas-target-pagerduty installed")
	assert.Equal(t, "stdout", rows[1].Name)
	assert.Contains(t, rows[1].Error, "must write nothing else to stdout", "the handshake probe explains it")
	assert.Equal(t, "webhook", rows[2].Name)
	assert.Empty(t, rows[2].Error)
	assert.Equal(t, 1, rows[2].ProtocolVersion)
	assert.Equal(t, []string{"all checks"}, rows[2].AppliesTo, "a webhook needs no per-check key")

	p, err := external.Locate([]external.Dir{{Path: dir}}, "webhook")
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "pakyas-target-webhook"), p.Path)
	_, err = external.Locate([]external.Dir{{Path: dir}}, "nope")
	assert.Equal(t, core.ENOTFOUND, core.ErrorCode(err))
	_, err = external.Locate(nil, "./no/such/pakyas-target-x")
	assert.Equal(t, core.ENOTFOUND, core.ErrorCode(err))

	res := external.Conformance(context.Background(), p, nil, false, nil) // URLs point at a local endpoint
	require.NotEmpty(t, res)
	assert.Equal(t, "permissions", res[0].Step)
	for _, r := range res {
		assert.NotEqual(t, targettest.Fail, r.Status, "%s: %s", r.Step, r.Message)
	}
}
