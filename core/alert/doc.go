// Package alert tells people when a check changes status: one Notifier per
// channel kind (webhook, Slack, email), looked up in a Notifiers registry,
// and a Dispatcher that delivers the durable outbox of core.Alert rows the
// status engine writes in the same transaction as the transition.
//
// Delivery is at least once: an alert is marked delivered only after the
// receiver accepted it, so a crash between the two repeats the message.
// Failures retrying cannot fix (a 404 from a webhook, a rejected address)
// give up at once; others are retried with exponential backoff up to
// Dispatcher.MaxAttempts. Every attempt of a check's alert is a line in
// that check's timeline.
//
// # Webhook document
//
// A webhook channel receives a POST with Content-Type application/json and
// User-Agent pakyas-server. The document is stable: fields may be added,
// none will be renamed or removed.
//
//	{
//	  "event": "status_change",          // or "test" for "channel test"
//	  "check": {
//	    "id": "5f0c…",                    // the check's UUID (API)
//	    "public_id": "9a1e…",             // the UUID in ping URLs
//	    "name": "Nightly Backup",
//	    "slug": "nightly-backup",
//	    "project": "Infra"
//	  },
//	  "from": "up",                       // core.Status values
//	  "to": "down",
//	  "from_label": "On Schedule",        // the product's words
//	  "to_label": "Missing",
//	  "reason": "no success signal since 03:00 UTC",
//	  "at": "2026-05-06T03:05:00Z",       // RFC 3339, UTC: when the status changed
//	  "recovery": false                   // true when it ends Missing, Failed or Overrunning
//	}
//
// Any 2xx answer means accepted. 408, 425, 429 and 5xx answers and
// connection errors are retried; other answers are not.
package alert
