package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/pakyas/pakyas/core"

	"github.com/pakyas/pakyas/internal/atomicfile"
)

// Admin describes the first user `pakyas server init` creates.
type Admin struct {
	Email   string
	Name    string
	Org     string
	Project string
}

// Init creates the first user, their organization and project, and an API
// key, and returns the key: the only time it is shown. It refuses when the
// store already has users, so there are never default credentials.
func Init(ctx context.Context, store core.Store, now time.Time, a Admin) (string, error) {
	if a.Email == "" || !strings.Contains(a.Email, "@") {
		return "", core.Errorf(core.EINVALID, "invalid admin email %q", a.Email).WithHint("pass --email you@example.com")
	}
	var key string
	err := store.Update(ctx, func(q core.Queries) error {
		n, err := q.CountUsers(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			return core.Errorf(core.ECONFLICT, "this server is already initialised (it has %d user(s))", n).
				WithHint("create more keys with 'pakyas key create', or use a new --data-dir")
		}
		key, err = createAccount(ctx, q, now, a)
		return err
	})
	return key, err
}

func createAccount(ctx context.Context, q core.Queries, now time.Time, a Admin) (string, error) {
	u := core.User{ID: uuid.NewString(), Email: a.Email, Name: a.Name, CreatedAt: now}
	o := core.Org{ID: uuid.NewString(), Name: a.Org, CreatedAt: now}
	p := core.Project{ID: uuid.NewString(), OrgID: o.ID, Name: a.Project, CreatedAt: now, BadgeKey: NewPingKey()}
	key, rec, err := NewAPIKey(u.ID, "initial key", now)
	if err != nil {
		return "", err
	}
	for _, step := range []func() error{
		func() error { return q.CreateUser(ctx, &u) },
		func() error { return q.CreateOrg(ctx, &o) },
		func() error { return q.AddMember(ctx, o.ID, u.ID, core.RoleOwner) },
		func() error { return q.CreateProject(ctx, &p) },
		func() error { return q.CreateAPIKey(ctx, &rec) },
	} {
		if err := step(); err != nil {
			return "", err
		}
	}
	return key, nil
}

// DevKeyFile is the file in the data directory where --dev keeps its key,
// so a restart prints the same key. Only --dev writes it.
const DevKeyFile = "dev-api-key"

// DevAccount is the account --dev creates.
var DevAccount = Admin{Email: "dev@localhost", Name: "Dev User", Org: "Dev", Project: "Default"}

// DevSetup returns the --dev API key: on a new data directory it creates
// the dev user, organization, project and key and saves the key to
// DevKeyFile (0600); later it returns the saved key, making a new one if it
// was revoked.
func DevSetup(ctx context.Context, store core.Store, now time.Time, dataDir string) (string, error) {
	path := filepath.Join(dataDir, DevKeyFile)
	saved, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read dev key: %w", err)
	}
	if key := strings.TrimSpace(string(saved)); key != "" {
		k, err := store.APIKeyByHash(ctx, HashAPIKey(key))
		switch {
		case err == nil && !k.Revoked():
			return key, nil
		case err == nil:
			key, rec, err := NewAPIKey(k.UserID, "dev key", now)
			if err == nil {
				err = store.CreateAPIKey(ctx, &rec)
			}
			if err != nil {
				return "", err
			}
			return key, writeKeyFile(path, key)
		case !core.IsNotFound(err):
			return "", err
		}
	}
	key, err := Init(ctx, store, now, DevAccount)
	if core.ErrorCode(err) == core.ECONFLICT {
		return "", core.Errorf(core.ECONFLICT, "--dev needs a new data directory: %s already has users created without --dev", dataDir).
			WithHint("start without --dev, or pass --data-dir with an empty directory")
	}
	if err != nil {
		return "", err
	}
	return key, writeKeyFile(path, key)
}

func writeKeyFile(path, key string) error {
	if err := atomicfile.Write(path, []byte(key+"\n"), 0o600); err != nil {
		return fmt.Errorf("save dev key: %w", err)
	}
	return nil
}
