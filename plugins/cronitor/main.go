// Command pakyas-target-cronitor is the Pakyas target plugin for Cronitor:
// it reports a monitored job's start, completion and failure through
// Cronitor's Telemetry API.
//
//	[targets.cronitor]
//	api_key = "your-cronitor-api-key"
//	endpoint = "https://cronitor.link"   # optional, this is the default
//
//	[checks."backup-db".targets.cronitor]
//	monitor_key = "backup-db-monitor"
//
// pakyas starts it; it is not meant to be run by hand.
package main

import "github.com/pakyas/pakyas/core/target"

// version is set at build time: -ldflags "-X main.version=...".
var version = "dev"

func main() {
	target.Serve(newCronitor(version))
}
