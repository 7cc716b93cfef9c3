package view

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/console"
	"github.com/pakyas/pakyas/core/spool"
)

func TestCheck(t *testing.T) {
	ch := &api.Check{Schedule: api.Schedule{Kind: "cron", Cron: "0 2 * * *", TZ: "Europe/Paris", Grace: 300}, MaxRuntime: 600}
	assert.Equal(t, `cron "0 2 * * *" (Europe/Paris), grace 5m, max runtime 10m`, Schedule(ch))
	at := time.Date(2025, 1, 6, 10, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	Check(&console.Printer{W: &buf}, &api.Check{Name: "Backup", Slug: "backup", StatusLabel: "On Schedule", Status: "up",
		Schedule: api.Schedule{Period: 3600, Grace: 300}, LastSignalAt: &at})
	assert.Contains(t, buf.String(), "Backup (backup)\n  Status:         On Schedule\n  Schedule:       every 1h, grace 5m\n")
	assert.Contains(t, buf.String(), "none yet: pakyas ping backup")
}

func TestSpool(t *testing.T) {
	var buf bytes.Buffer
	Spool(&console.Printer{W: &buf}, "/s", nil, nil)
	assert.Equal(t, "The spool is empty (/s).\n", buf.String())
	at := time.Date(2025, 1, 6, 10, 0, 0, 0, time.UTC)
	items := []spool.Item{{Name: "a.json", Path: "/s/a.json", Entry: spool.Entry{APIURL: "http://h", Slug: "backup",
		Ping: api.Ping{Kind: "start", At: at}, Reason: "connection refused\x1b"}}}
	buf.Reset()
	Spool(&console.Printer{W: &buf}, "/s", items, nil)
	assert.Contains(t, buf.String(), "backup  start   http://h  connection refused\\x1b")
	assert.Equal(t, []SpoolItem{{File: "/s/a.json", At: at, Slug: "backup", Signal: "start", APIURL: "http://h", Reason: "connection refused\x1b"}}, SpoolItems(items))
}

// TestAlerting: an update says the alerting settings it set, as they now
// are.
func TestAlerting(t *testing.T) {
	i64 := func(v int64) *int64 { return &v }
	in := func(v int) *int { return &v }
	str := func(v string) *string { return &v }
	assert.Equal(t, "", Alerting(&api.Check{RemindEvery: 3600}, api.CheckInput{}))
	assert.Equal(t, "reminders every 1h, a failure alerted after 3 in a row, depends on db, alerts to no channel",
		Alerting(&api.Check{RemindEvery: 3600, AlertAfter: 3, DependsOn: "id-of-db", Channels: []string{}},
			api.CheckInput{RemindEvery: i64(3600), AlertAfter: in(3), DependsOn: str("db"), Channels: &[]string{}}))
	assert.Equal(t, "no reminders, a failure alerted at once, depends on no check, alerts to all channels",
		Alerting(&api.Check{}, api.CheckInput{RemindEvery: i64(0), AlertAfter: in(1), DependsOn: str(""), Channels: &[]string{"all"}}))
}
