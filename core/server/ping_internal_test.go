package server

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

// TestCleanText: what a ping's header and query values are stored as.
func TestCleanText(t *testing.T) {
	a := strings.Repeat("a", 9)
	tests := []struct {
		name, in, want string
	}{
		{"printable ASCII", "curl/8.5.0", "curl/8.5.0"},
		{"ASCII cut", a + "bc", a + "b"},
		{"UTF-8 kept", "hôte", "hôte"},
		{"cut inside a character", a + "é", a},
		{"cut inside a 4-byte character", "abcdefg" + "😀", "abcdefg"},
		{"invalid byte", "curl\xff", "curl\uFFFD"},
		{"invalid byte at the cut", a + "\xff", a},
		{"NUL", "ab\x00c", "abc"},
		{"newline, tab, escape, DEL", "a\nb\tc\x1b[2Jd\x7f", "abc[2Jd"},
		{"C1 control", "a\u0085b", "ab"},
		{"nothing left", "\x00\x01", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, cleanText(tt.in, 10))
		})
	}
}

// TestTruncate: the Cronitor message (the output) is cut on a character
// boundary, and bytes that are not UTF-8 at the cut still are cut.
func TestTruncate(t *testing.T) {
	assert.Equal(t, "abc", truncate("abc", 3))
	assert.Equal(t, "ab", truncate("abé", 3))
	assert.Equal(t, "\x80\x80\x80", truncate("\x80\x80\x80\x80\x80", 3))
}

// FuzzCleanText: whatever the input, the result is at most n bytes of
// valid UTF-8 without control characters, and clean input that fits is
// kept as it is.
func FuzzCleanText(f *testing.F) {
	for _, seed := range []string{"", "curl/8", "a\x00b", "caf\xe9", "é😀", "\x1b[2J", strings.Repeat("é", 200)} {
		f.Add(seed, 7)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 0 || n > 1000 {
			return
		}
		got := cleanText(s, n)
		if len(got) > n || !utf8.ValidString(got) || strings.IndexFunc(got, unicode.IsControl) >= 0 {
			t.Fatalf("cleanText(%q, %d) = %q", s, n, got)
		}
		if len(s) <= n && utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0 && got != s {
			t.Fatalf("cleanText(%q, %d) = %q: clean input changed", s, n, got)
		}
	})
}
