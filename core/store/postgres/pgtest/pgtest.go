// Package pgtest gives tests a PostgreSQL database of their own: a new
// schema on the server PAKYAS_TEST_DATABASE_URL names, dropped when the
// test ends. Without that variable the test is skipped, unless CI=true:
// then it fails, so CI never passes by skipping PostgreSQL.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the server the tests use.
const EnvURL = "PAKYAS_TEST_DATABASE_URL"

// URL returns the URL of a new, empty schema (as the search_path) on the
// test server, dropped when t ends.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set, and CI=true: the PostgreSQL tests must run (make test sets it)", EnvURL)
		}
		t.Skipf("%s is not set: PostgreSQL tests skipped (e.g. %s=postgres://postgres@127.0.0.1:5432/test)", EnvURL, EnvURL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("PostgreSQL at %s=%s is unreachable: %v", EnvURL, base, err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "pakyas_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return withParam(base, "search_path", schema)
}

// withParam adds key=value to a URL or a key=value connection string.
func withParam(base, key, value string) string {
	if strings.HasPrefix(base, "postgres://") || strings.HasPrefix(base, "postgresql://") {
		u, err := url.Parse(base)
		if err == nil {
			q := u.Query()
			q.Set(key, value)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return base + " " + key + "=" + value
}
