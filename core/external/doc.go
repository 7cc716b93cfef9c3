// Package external is the host side of target plugins: it discovers
// pakyas-target-<name> executables (Discover, Find), chooses the targets a
// check needs from external_monitors.toml, launches only those, in
// parallel, while the job runs, validates each target's tables against the
// schema the plugin describes (naming file and line), and fans each event
// out to all of them under one timeout (Host). Close kills every plugin it
// started.
//
// The timeout rule: every event — start or finish — is given to all
// targets at once and pakyas waits at most the external timeout
// (--external-timeout-ms, default 5000 ms) for all of their answers
// together, counted from the moment the event is handed over. A target
// still starting counts against the same deadline. The start event is sent
// in the background while the job runs; only the finish event is waited
// for, and it is handed over after Pakyas's finish signal, so external
// targets add at most the timeout to a run, and nothing when they answer
// while Pakyas does. The same rule holds with and without migration mode.
package external
