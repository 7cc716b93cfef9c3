package core

import "testing"

func TestValidSlug(t *testing.T) {
	for s, want := range map[string]bool{
		"daily-backup": true, "prod_db-cleanup2": true, "a": true,
		"": false, "Daily Backup": false, "my.job.name": false, "Daily-Backup": false,
		"naïve": false, string(make([]byte, 101)): false,
	} {
		if got := ValidSlug(s); got != want {
			t.Errorf("ValidSlug(%q) = %v, want %v", s, got, want)
		}
	}
}
