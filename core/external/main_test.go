package external_test

import (
	"os"
	"testing"

	"github.com/pakyas/pakyas/internal/testutil"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.CleanupBinaries()
	os.Exit(code)
}
