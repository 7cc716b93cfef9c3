package monitor

import (
	"path/filepath"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/cache"
	"github.com/pakyas/pakyas/core/config"
	"github.com/pakyas/pakyas/core/resolve"
	"github.com/pakyas/pakyas/core/spool"
)

// Files are where a command keeps what outlives it: the slug cache and
// the spool. Their zero values mean there is none (no home directory).
type Files struct {
	Cache *cache.Cache
	Spool *spool.Spool
}

// OpenFiles opens the slug cache ($XDG_CONFIG_HOME/pakyas/cache) and the
// spool ($XDG_STATE_HOME/pakyas/spool) of the environment getenv reads. A
// corrupt or foreign cache is warned about and rebuilt.
func OpenFiles(getenv func(string) string, log *Log) Files {
	var f Files
	if dir, err := config.ConfigDirFrom(getenv); err == nil {
		c, err := cache.Load(cache.Path(dir))
		if err != nil {
			log.WarnAlways("ignoring the slug cache, it will be rebuilt: "+err.Error(), "")
		}
		f.Cache = c
	}
	if dir, err := config.StateDirFrom(getenv); err == nil {
		f.Spool = spool.New(filepath.Join(dir, "spool"))
	}
	return f
}

// Checks returns the slug resolver of the project org and project select,
// on the settings' server with its key (only the cache answers without
// one).
func (f Files) Checks(s *config.Settings, c *api.Client, org, project config.Setting, log *Log) *resolve.Checks {
	r := &resolve.Checks{Cache: f.Cache, APIURL: s.APIURL.Value, Org: org, Project: project, KeyID: s.KeyID(),
		Warn: func(msg string) { log.Warn(msg, "") }}
	if s.APIKey.Value != "" {
		r.Fetch = resolve.Fetcher(c, org, project)
	}
	return r
}

// Sender returns the spool.Sender of a command with settings s and client
// c: no retries (a failure leaves the entry for the next run), and a
// signal kept by slug resolved only when it was made with this server and
// API key, in the project it recorded.
func (f Files) Sender(s *config.Settings, c *api.Client) spool.Sender {
	quick := *c
	quick.Retries = 0
	return f.FlushSender(s, &quick)
}

// FlushSender is Sender with c's own retries, for `pakyas spool flush`,
// whose --retries are for the spool's signals.
func (f Files) FlushSender(s *config.Settings, c *api.Client) spool.Sender {
	return Sender(c, func(en spool.Entry) Resolver {
		if en.KeyID != s.KeyID() || cache.NormalizeURL(en.APIURL) != cache.NormalizeURL(s.APIURL.Value) {
			return nil
		}
		return f.Checks(s, c, config.Setting{Value: en.Org, Source: config.FromFile},
			config.Setting{Value: en.Project, Source: config.FromFile}, nil)
	})
}

// Deliverer returns the Deliverer of a ping or monitor command with
// settings s and client c, for the check named by slug or publicID.
func (f Files) Deliverer(s *config.Settings, c *api.Client, slug, publicID string, log *Log) *Deliverer {
	d := &Deliverer{Pinger: c, APIURL: s.APIURL.Value, PublicID: publicID, Slug: slug, Log: log}
	if slug != "" {
		d.Resolver = f.Checks(s, c, s.Org, s.Project, log)
		d.Selection = Selection{Org: s.Org.Value, Project: s.Project.Value, KeyID: s.KeyID()}
		if s.Project.ForCommand() && !s.Org.ForCommand() {
			// A project given for this command is looked for in every
			// organization when the saved one lacks it.
			d.Selection.Org = ""
		}
	}
	if f.Spool != nil {
		d.Spool, d.Replay = f.Spool, f.Sender(s, c)
	}
	return d
}
