// Command pakyas-target-webhook is the Pakyas target plugin for webhooks:
// it POSTs every event of every check as JSON to one URL, optionally with
// extra headers and an HMAC-SHA256 signature of the body.
//
//	[targets.webhook]
//	url = "https://status.example.com/api/ping"
//	headers = { Authorization = "Bearer ..." }   # optional
//	secret = "shared-secret"                     # optional: X-Pakyas-Signature
//
// pakyas starts it; it is not meant to be run by hand.
package main

import "github.com/pakyas/pakyas/core/target"

// version is set at build time: -ldflags "-X main.version=...".
var version = "dev"

func main() {
	target.Serve(newWebhook(version))
}
