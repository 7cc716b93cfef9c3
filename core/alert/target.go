package alert

import (
	"net/mail"
	"net/url"
	"strings"

	"github.com/pakyas/pakyas/core"
)

// maxTargetLen bounds a channel's target; real ones are far shorter.
const maxTargetLen = 2048

// ValidateTarget checks that target suits a channel of the given kind (its
// registry entry, Kind): an absolute http or https URL for the webhook-like
// kinds, an address for email, an integration key for PagerDuty. It
// returns a *core.Error with code EINVALID and a hint saying what is
// expected; the API calls it when a channel is created. It does not
// contact the target.
func ValidateTarget(kind core.ChannelKind, target string) error {
	k, ok := LookupKind(kind)
	if !ok {
		return core.Errorf(core.EINVALID, "unknown channel kind %q", kind).
			WithHint("use one of: %s (pakyas channel kinds lists what each needs)", KindNames())
	}
	if len(target) > maxTargetLen {
		return core.Errorf(core.EINVALID, "%s target is %d characters long, more than %d", kind, len(target), maxTargetLen)
	}
	return k.validate(target)
}

func validateURL(target, kind, hint string) error {
	if strings.TrimSpace(target) == "" {
		return core.Errorf(core.EINVALID, "%s target is empty", kind).WithHint("%s", hint)
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return core.Errorf(core.EINVALID, "%s target %q is not an absolute http(s) URL", kind, target).WithHint("%s", hint)
	}
	return nil
}

func validateEmail(target string) error {
	const hint = "give one address, e.g. oncall@example.com"
	if strings.TrimSpace(target) == "" {
		return core.Errorf(core.EINVALID, "email target is empty").WithHint(hint)
	}
	if strings.ContainsAny(target, "\r\n") {
		return core.Errorf(core.EINVALID, "email target %q is not an email address", target).WithHint(hint)
	}
	if _, err := mail.ParseAddress(target); err != nil {
		return core.Errorf(core.EINVALID, "email target %q is not an email address: %v", target, err).WithHint(hint)
	}
	return nil
}
