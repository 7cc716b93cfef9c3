// Package api is the HTTP contract between the pakyas CLI and pakyas
// server: the JSON wire types, the route paths and a typed Client with
// timeouts, retries and a User-Agent.
//
// It imports only the standard library, so the CLI's hot path (ping,
// monitor) stays small. docs/api.md documents the same contract for people.
package api
