package monitor

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"4096": 4096, "4KiB": 4096, "4k": 4096, "4 KB": 4096, "1MiB": 1 << 20, "0": 0, "100b": 100} {
		got, err := ParseSize(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "-1", "4x", "KiB"} {
		_, err := ParseSize(in)
		assert.Error(t, err, in)
	}
}

func TestOutputParse(t *testing.T) {
	for _, tt := range []struct {
		o       Output
		capture Capture
		limit   int
		err     string
	}{
		{Output{}, CaptureStderr, DefaultOutputLimit, ""},
		{Output{Capture: "BOTH", Limit: "16KiB"}, CaptureBoth, 16 << 10, ""},
		{Output{Limit: "0"}, CaptureNone, 0, ""},
		{Output{None: true}, CaptureNone, DefaultOutputLimit, ""},
		{Output{None: true, Capture: "stdout", CaptureSet: true}, 0, 0, "not both"},
		{Output{Capture: "stdin"}, 0, 0, "--capture"},
		{Output{Limit: "200000"}, 0, 0, "at most 100000 bytes"},
		{Output{Limit: "lots"}, 0, 0, "--output-limit"},
	} {
		c, n, err := tt.o.Parse()
		if tt.err != "" {
			assert.ErrorContains(t, err, tt.err, "%+v", tt.o)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tt.capture, c, "%+v", tt.o)
		assert.Equal(t, tt.limit, n, "%+v", tt.o)
	}
}
