// Package pluginview prints target plugins as `pakyas plugin` shows them.
// It is apart from core/view because it needs the plugin host
// (core/external), which the lean pakyas does not link.
package pluginview

import (
	"fmt"
	"strings"

	"github.com/pakyas/pakyas/core/console"
	"github.com/pakyas/pakyas/core/external"
	"github.com/pakyas/pakyas/core/target/targettest"
)

// Plugins prints installed plugins as `pakyas plugin list` shows them.
func Plugins(p *console.Printer, rows []external.Summary) {
	t := &console.Table{Head: []string{"NAME", "VERSION", "PROTOCOL", "BUNDLED", "APPLIES TO", "PATH"}}
	for _, r := range rows {
		version, proto, path := r.Version, "", r.Path
		if r.ProtocolVersion > 0 {
			proto = fmt.Sprint(r.ProtocolVersion)
		}
		if !r.Installed {
			path, version = "(not installed)", "-"
		} else if r.Error != "" {
			version, proto = "?", "?"
		}
		t.AddText(r.Name, version, proto, yesNo(r.Bundled), applies(r.AppliesTo), path)
	}
	p.Table(t)
}

// PluginInfo is a plugin as `pakyas plugin info --format json` shows it.
type PluginInfo struct {
	external.Summary
	SHA256 string  `json:"sha256"`
	Config []Field `json:"config"`
}

// Field is a plugin configuration key in PluginInfo.
type Field struct {
	Key         string `json:"key"`
	Type        string `json:"type"`
	Scope       string `json:"scope"`
	Required    bool   `json:"required"`
	Secret      bool   `json:"secret"`
	Description string `json:"description"`
}

// NewPluginInfo returns r with its file's SHA-256 and its schema.
func NewPluginInfo(r external.Summary, sha256 string) PluginInfo {
	info := PluginInfo{Summary: r, SHA256: sha256, Config: []Field{}}
	for _, f := range r.Schema {
		info.Config = append(info.Config, Field{f.Key, string(f.Type), string(f.Scope), f.Required, f.Secret, f.Description})
	}
	return info
}

// Plugin prints one plugin as `pakyas plugin info` shows it: version,
// path, pin, configuration keys and a skeleton to start from.
func Plugin(p *console.Printer, info PluginInfo) {
	r := info.Summary
	p.Printf("Name:        %s\nVersion:     %s\nProtocol:    %d\nPath:        %s (%s)\nBundled:     %s\nSHA-256:     %s\nApplies to:  %s\n",
		r.Name, r.Version, r.ProtocolVersion, r.Path, r.Source, yesNo(r.Bundled), info.SHA256, applies(r.AppliesTo))
	for _, sh := range r.Shadowed {
		p.Printf("Hides:       %s\n", sh)
	}
	if len(r.Schema) == 0 {
		p.Printf("\nThis target takes no configuration keys.\n")
		return
	}
	p.Printf("\nConfiguration:\n")
	t := &console.Table{Indent: "  ", Head: []string{"KEY", "TYPE", "TABLE", "REQUIRED", "DESCRIPTION"}}
	for _, f := range r.Schema {
		t.AddText(f.Key, string(f.Type), external.TableHeader(f.Scope, r.Name), yesNo(f.Required), f.Description)
	}
	p.Table(t)
	p.Printf("\nExample (%s):\n%s", "external_monitors.toml", console.Painted(console.Text(external.Skeleton(r.Name, r.Schema))))
}

// Conformance prints the steps of `pakyas plugin check` and returns how
// many failed.
func Conformance(p *console.Printer, results []targettest.Result) (failed int) {
	for _, r := range results {
		if r.Status == targettest.Fail {
			failed++
		}
		p.Printf("%-4s  %-12s  %s\n", string(r.Status), r.Step, r.Message)
	}
	if failed == 0 {
		p.Printf("All %d checks passed.\n", len(results))
	}
	return failed
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func applies(a []string) string {
	if len(a) == 0 {
		return "-"
	}
	return strings.Join(a, ", ")
}
