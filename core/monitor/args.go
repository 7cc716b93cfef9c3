package monitor

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/pakyas/pakyas/core"
)

// PublicIDEnv is read when --public-id is not given or empty and no slug
// is, so the user guide's cron line `--public_id "$PAKYAS_PUBLIC_ID"`
// works.
const PublicIDEnv = "PAKYAS_PUBLIC_ID"

// CheckArgs returns how `pakyas ping` or `monitor` names its check: a slug
// (the argument), or a public ID (--public-id, or $PAKYAS_PUBLIC_ID when
// the flag is empty and no slug is given). Its errors are command-line
// mistakes, to be reported before anything is sent: both or neither
// given, a public ID that is not a UUID, a slug that cannot be one.
func CheckArgs(slug, publicID string, getenv func(string) string) (string, string, error) {
	id := strings.TrimSpace(publicID)
	given := id != ""
	if id == "" && slug == "" {
		id = strings.TrimSpace(getenv(PublicIDEnv))
	}
	switch {
	case given && slug != "":
		return "", "", fmt.Errorf("give the check either as a slug (%s) or with --public-id, not both", slug)
	case id != "":
		if _, err := uuid.Parse(id); err != nil {
			return "", "", fmt.Errorf("invalid public ID %q: it is a UUID like 550e8400-e29b-41d4-a716-446655440000 ('pakyas check show SLUG' prints it)", id)
		}
		return "", strings.ToLower(id), nil
	case slug == "":
		return "", "", fmt.Errorf("which check? give its slug, or --public-id UUID (or set %s)", PublicIDEnv)
	case !core.ValidSlug(slug):
		return "", "", core.SlugError(slug)
	}
	return slug, "", nil
}

// Kind returns the signal kind `pakyas ping` sends for its flags: ""
// (success), start, fail, log, or the exit code (0 to 255; nil: not
// given). Giving several is a mistake.
func Kind(start, fail, log bool, exitCode *int64) (string, error) {
	var kinds []string
	for k, on := range map[string]bool{"start": start, "fail": fail, "log": log} {
		if on {
			kinds = append(kinds, k)
		}
	}
	if exitCode != nil {
		if *exitCode < 0 || *exitCode > 255 {
			return "", fmt.Errorf("--exit-code must be 0 to 255, not %d", *exitCode)
		}
		kinds = append(kinds, strconv.FormatInt(*exitCode, 10))
	}
	switch len(kinds) {
	case 0:
		return "", nil
	case 1:
		return kinds[0], nil
	}
	return "", fmt.Errorf("give one of --start, --fail, --exit-code and --log, not several")
}

// SplitArgs splits the arguments of `pakyas monitor [SLUG] -- COMMAND
// [ARGS...]`: raw are all the arguments as given (with the "--"), own the
// command's own positional arguments (which a flag parser returns without
// the "--": the slug, if any, then the command).
func SplitArgs(raw, own []string) (slug string, argv []string, err error) {
	dash := slices.Index(raw, "--")
	if dash < 0 {
		return "", nil, errors.New("put the job's command after --: pakyas monitor SLUG -- COMMAND [ARGS...]")
	}
	argv = raw[dash+1:]
	switch {
	case len(argv) == 0:
		return "", nil, errors.New("missing the job's command after --: pakyas monitor SLUG -- COMMAND [ARGS...]")
	case len(argv) > len(own):
		return "", nil, errors.New("cannot tell the check from the command: pakyas monitor SLUG -- COMMAND [ARGS...]")
	}
	before := own[:len(own)-len(argv)]
	switch len(before) {
	case 0:
		return "", argv, nil
	case 1:
		return before[0], argv, nil
	}
	return "", nil, fmt.Errorf("too many arguments before --: %q; give one check slug, then -- and the command", before)
}
