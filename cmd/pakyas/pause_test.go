package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/console"
)

// TestTimedPauses: check pause --for resumes by itself when the time is
// up; the timeline says who paused it, until when and why; project pause
// --for pauses every check of the project for a deploy window.
func TestTimedPauses(t *testing.T) {
	u, srv := loggedIn(t)
	ctx := context.Background()
	ok(t, u.run("check", "create", "--name", "DB Backup", "--slug", "db-backup"))
	ok(t, u.run("check", "create", "--name", "Sync", "--slug", "sync"))
	ok(t, u.run("ping", "db-backup"))

	out := ok(t, u.run("check", "pause", "db-backup", "--for", "2h", "--reason", "database migration"))
	assert.Contains(t, out, "Paused check 'db-backup' until ")
	assert.Contains(t, out, "it resumes by itself")
	show := ok(t, u.run("check", "show", "db-backup"))
	assert.Regexp(t, `Status:\s+Paused since .*, until .* \(then it resumes by itself\)`, show)
	assert.Regexp(t, `paused by admin@example.com until \d{4}-\d\d-\d\d \d\d:\d\d UTC: database migration`, show)

	srv.Clock.Add(119 * time.Minute)
	_, err := srv.EvaluateDue(ctx)
	require.NoError(t, err)
	assert.Contains(t, ok(t, u.run("check", "show", "db-backup")), "Paused")
	srv.Clock.Add(2 * time.Minute)
	_, err = srv.EvaluateDue(ctx)
	require.NoError(t, err)
	show = ok(t, u.run("check", "show", "db-backup"))
	assert.Regexp(t, `Status:\s+On Schedule`, show)
	assert.Contains(t, show, "the pause ended")

	out = ok(t, u.run("project", "pause", "--for", "30m", "--reason", "deploy"))
	assert.Contains(t, out, `Paused 2 checks of project "Test Project" until`)
	for _, slug := range []string{"db-backup", "sync"} {
		assert.Contains(t, ok(t, u.run("check", "show", slug)), ": deploy")
	}
	srv.Clock.Add(31 * time.Minute)
	_, err = srv.EvaluateDue(ctx)
	require.NoError(t, err)
	assert.Regexp(t, `Status:\s+On Schedule`, ok(t, u.run("check", "show", "db-backup")), "resumed by itself")

	ok(t, u.run("project", "pause"))
	assert.Contains(t, ok(t, u.run("project", "resume")), `Resumed 2 checks of project "Test Project"`)

	r := u.run("check", "pause", "db-backup", "--for", "2h", "--until", "2030-01-01T00:00:00Z")
	assert.Equal(t, exitUsage, r.code)
	r = u.run("check", "pause", "db-backup", "--for", "soon")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "--for \"soon\"")
}

// TestProjectPauseKeepsLongerPauses: a deploy window only lengthens
// pauses: a check paused with no end, or for a week, keeps its own pause
// and reason when the window ends; one paused for less is held to the
// window's end.
func TestProjectPauseKeepsLongerPauses(t *testing.T) {
	u, srv := loggedIn(t)
	ctx := context.Background()
	for _, slug := range []string{"db", "weekly", "short", "sync"} {
		ok(t, u.run("check", "create", "--name", slug, "--slug", slug))
	}
	ok(t, u.run("check", "pause", "db", "--reason", "disk replaced"))
	ok(t, u.run("check", "pause", "weekly", "--for", "7d"))
	ok(t, u.run("check", "pause", "short", "--for", "10m"))
	weekly := ok(t, u.run("check", "show", "weekly"))

	out := ok(t, u.run("project", "pause", "--for", "30m", "--reason", "deploy"))
	assert.Contains(t, out, `Paused 4 checks of project "Test Project" until`)
	assert.Contains(t, out, "Already paused for longer, and kept so: db, weekly.")
	assert.NotContains(t, ok(t, u.run("check", "show", "db")), "deploy", "its own reason is kept")
	assert.Equal(t, weekly, ok(t, u.run("check", "show", "weekly")))

	srv.Clock.Add(31 * time.Minute)
	_, err := srv.EvaluateDue(ctx)
	require.NoError(t, err)
	for _, slug := range []string{"short", "sync"} {
		assert.Contains(t, ok(t, u.run("check", "show", slug)), "the pause ended", slug)
	}
	show := ok(t, u.run("check", "show", "db"))
	assert.Regexp(t, `Status:\s+Paused since`, show)
	assert.NotContains(t, show, "the pause ended")
	assert.Contains(t, show, "disk replaced")
	show = ok(t, u.run("check", "show", "weekly"))
	assert.Regexp(t, `Status:\s+Paused since .*, until .* \(then it resumes by itself\)`, show)
	assert.NotContains(t, show, "the pause ended")

	// A window without an end lengthens a timed pause to none.
	out = ok(t, u.run("project", "pause", "--format", "json"))
	assert.NotContains(t, out, "paused_until")
}

// TestProjectPauseWindowShorterThanEvery: a window shorter than every
// check's own pause is said as the window (it was said as the earliest
// check's end, a week on, and that check was not listed as kept).
func TestProjectPauseWindowShorterThanEvery(t *testing.T) {
	u, srv := loggedIn(t)
	ok(t, u.run("check", "create", "--name", "weekly", "--slug", "weekly"))
	ok(t, u.run("check", "pause", "weekly", "--for", "7d"))
	out := ok(t, u.run("project", "pause", "--for", "30m"))
	end := srv.Clock.Now().Add(30 * time.Minute)
	assert.Contains(t, out, "until "+console.Time(&end))
	assert.Contains(t, out, "Already paused for longer, and kept so: weekly.")
}
