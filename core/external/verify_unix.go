//go:build unix

package external

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// checkWriters refuses the executable at path (fi) when a user other than
// you (uid me) or root can change it: group or others may write to it, or
// it belongs to another user, who may chmod it at will.
func checkWriters(path string, fi os.FileInfo, me int) error {
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("refusing to run %s (mode %04o): %w; fix it with: chmod go-w %s",
			path, fi.Mode().Perm(), ErrWritable, path)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	uid := int(st.Uid)
	if uid == 0 || uid == me {
		return nil
	}
	fix := "chown root " + path
	if me != 0 {
		fix = "sudo " + fix
	}
	return fmt.Errorf("refusing to run %s (owned by %s): %w; fix it with: %s", path, owner(uid), ErrOwner, fix)
}

// owner names the user uid: "nobody, uid 65534", or "uid 65534" when the
// system does not know it.
func owner(uid int) string {
	id := strconv.Itoa(uid)
	if u, err := user.LookupId(id); err == nil && u.Username != "" {
		return u.Username + ", uid " + id
	}
	return "uid " + id
}
