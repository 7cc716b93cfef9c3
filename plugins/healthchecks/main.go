// Command pakyas-target-healthchecks is the Pakyas target plugin for
// healthchecks.io and self-hosted Healthchecks instances: it pings a check's
// UUID when a monitored job starts, succeeds or fails.
//
//	[targets.healthchecks]
//	endpoint = "https://hc-ping.com"   # optional, this is the default
//
//	[checks."backup-db".targets.healthchecks]
//	uuid = "550e8400-e29b-41d4-a716-446655440000"
//
// pakyas starts it; it is not meant to be run by hand.
package main

import "github.com/pakyas/pakyas/core/target"

// version is set at build time: -ldflags "-X main.version=...".
var version = "dev"

func main() {
	target.Serve(newHealthchecks(version))
}
