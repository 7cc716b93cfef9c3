// Command pakyas-target-jsonl is an example Pakyas target plugin: it
// appends every event of every check to a file, one JSON object a line.
//
//	[targets.jsonl]
//	path = "/var/log/pakyas-events.jsonl"
//
// pakyas starts it; it is not meant to be run by hand. See README.md.
package main

import "github.com/pakyas/pakyas/core/target"

// version is set at build time: -ldflags "-X main.version=1.0.0".
var version = "dev"

func main() {
	target.Serve(newJSONL(version))
}
