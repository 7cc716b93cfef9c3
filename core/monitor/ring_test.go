package monitor

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRing(t *testing.T) {
	tests := []struct {
		name   string
		size   int
		writes []string
		want   string
	}{
		{"empty", 4, nil, ""},
		{"under", 4, []string{"ab"}, "ab"},
		{"exact", 4, []string{"abcd"}, "abcd"},
		{"exact in parts", 4, []string{"ab", "cd"}, "abcd"},
		{"wrap", 4, []string{"abc", "de"}, "bcde"},
		{"wrap twice", 4, []string{"abc", "def", "ghi"}, "fghi"},
		{"one big write", 4, []string{"abcdefghij"}, "ghij"},
		{"big after small", 4, []string{"xy", "abcdefg"}, "defg"},
		{"small after big", 4, []string{"abcdefg", "xy"}, "fgxy"},
		{"empty writes", 4, []string{"", "ab", "", "cde", ""}, "bcde"},
		{"size one", 1, []string{"abc", "d"}, "d"},
		{"fill to boundary then one", 3, []string{"abc", "d"}, "bcd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRing(tt.size)
			total := 0
			for _, w := range tt.writes {
				n, err := r.Write([]byte(w))
				require.NoError(t, err)
				require.Equal(t, len(w), n)
				total += len(w)
			}
			assert.Equal(t, tt.want, string(r.Bytes()))
			assert.Equal(t, int64(total), r.Total())
			assert.Equal(t, total > tt.size, r.Truncated())
		})
	}
}

func TestRingBytesIsACopy(t *testing.T) {
	r := NewRing(4)
	_, _ = r.Write([]byte("abcd"))
	b := r.Bytes()
	b[0] = 'X'
	assert.Equal(t, "abcd", string(r.Bytes()))
}

// TestRingConcurrent: stdout and stderr of a job write at once; run with
// -race.
func TestRingConcurrent(t *testing.T) {
	r := NewRing(64)
	var wg sync.WaitGroup
	for _, s := range []string{"a", "b"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				_, _ = r.Write([]byte(strings.Repeat(s, 7)))
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(14000), r.Total())
	assert.Len(t, r.Bytes(), 64)
}

// FuzzRing checks the ring against the obvious model: the last size bytes
// of everything written.
func FuzzRing(f *testing.F) {
	f.Add(uint8(4), []byte("hello world"), uint8(3))
	f.Add(uint8(1), []byte("x"), uint8(1))
	f.Add(uint8(16), bytes.Repeat([]byte("ab"), 40), uint8(7))
	f.Fuzz(func(t *testing.T, size uint8, data []byte, chunk uint8) {
		if size == 0 || chunk == 0 {
			return
		}
		r := NewRing(int(size))
		for rest := data; len(rest) > 0; {
			n := min(int(chunk), len(rest))
			_, _ = r.Write(rest[:n])
			rest = rest[n:]
			// Vary the chunk size so writes land at every offset.
			chunk = chunk*7 + 3
			if chunk == 0 {
				chunk = 1
			}
		}
		want := data
		if len(want) > int(size) {
			want = want[len(want)-int(size):]
		}
		if !bytes.Equal(want, r.Bytes()) {
			t.Fatalf("size %d: got %q, want %q", size, r.Bytes(), want)
		}
		if r.Total() != int64(len(data)) {
			t.Fatalf("total %d, want %d", r.Total(), len(data))
		}
	})
}
