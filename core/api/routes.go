package api

import "net/url"

// Ping endpoints. They are compatible with healthchecks.io: /ping/<uuid>,
// /ping/<uuid>/start, /fail, /log and /<exit code>, GET, HEAD or POST, with
// ?rid=<uuid> and the raw body as the job's output.
const (
	PingPrefix = "/ping/"

	// PingBodyLimitHeader advertises how much of a ping body is kept.
	PingBodyLimitHeader = "Ping-Body-Limit"

	// Extra, optional ping query parameters sent by the pakyas CLI.
	ParamRunID    = "rid"         // run id (UUID) pairing a start with its finish
	ParamHost     = "host"        // host the job ran on
	ParamDuration = "duration_ms" // run duration measured by the sender
	ParamTime     = "ts"          // when the signal happened (RFC 3339 or unix ms), for signals delivered late
)

// APIPrefix is where the JSON API lives.
const APIPrefix = "/api/v1"

// PingPath returns the path of a ping of kind ("" success, "start", "fail",
// "log" or an exit code) for the check with the given public ID.
func PingPath(publicID, kind string) string {
	p := PingPrefix + url.PathEscape(publicID)
	if kind != "" {
		p += "/" + kind
	}
	return p
}
