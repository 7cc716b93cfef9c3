package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/urfave/cli/v3"
)

// TestFlagValues: flagsOf reads what cli.Command's getters read: the
// command's own flag before an ancestor's of the same name, values from
// the command line, from the environment, and defaults.
func TestFlagValues(t *testing.T) {
	t.Setenv("PAKYAS_TEST_FLAG_TIMEOUT", "3s")
	var got flagValues
	var sub *cli.Command
	root := &cli.Command{
		Name: "pakyas",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "name", Value: "root"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}},
		},
		Commands: []*cli.Command{{
			Name: "sub",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "name", Value: "sub"},
				&cli.IntFlag{Name: "retries", Value: 3},
				&cli.DurationFlag{Name: "timeout", Sources: cli.EnvVars("PAKYAS_TEST_FLAG_TIMEOUT")},
				&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}},
			},
			Action: func(_ context.Context, cmd *cli.Command) error {
				got, sub = flagsOf(cmd), cmd
				return nil
			},
		}},
	}
	require.NoError(t, root.Run(context.Background(), []string{"pakyas", "-v", "sub", "-q", "--retries", "5"}))
	for _, name := range []string{"name", "verbose", "v", "retries", "timeout", "quiet", "q", "missing"} {
		assert.Equal(t, sub.String(name), got.String(name), name)
		assert.Equal(t, sub.Bool(name), got.Bool(name), name)
		assert.Equal(t, sub.Int(name), got.Int(name), name)
		assert.Equal(t, sub.Duration(name), got.Duration(name), name)
		assert.Equal(t, sub.IsSet(name), got.IsSet(name), name)
	}
	assert.Equal(t, "sub", got.String("name"))
	assert.True(t, got.Bool("verbose"))
	assert.Equal(t, 5, got.Int("retries"))
	assert.Equal(t, 3*time.Second, got.Duration("timeout"))
	assert.True(t, got.IsSet("timeout"), "set by its environment variable")
	assert.False(t, got.IsSet("name"))
}
