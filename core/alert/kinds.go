package alert

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/pakyas/pakyas/core"
)

// Kind is one kind of alert channel: what its target is, how the target is
// checked when the channel is added, and the notifier that delivers to it.
// Every kind is in kinds, and nothing else in Pakyas lists them: the API,
// `pakyas channel add` and `pakyas channel kinds` read this registry.
type Kind struct {
	Name core.ChannelKind
	// Target says what TARGET is, for `pakyas channel kinds`.
	Target string
	// Example is a target, for the help.
	Example string
	// Settings are the kind's settings beyond the target, given with
	// `pakyas channel add ... --set key=value`.
	Settings []Setting
	validate func(target string) error
	notifier func(d Deps) Notifier
}

// Setting is one setting of a kind.
type Setting struct {
	Key         string
	Required    bool
	Secret      bool // never shown back
	Description string
}

// Deps is what notifiers are built with.
type Deps struct {
	Client *http.Client // for the kinds that speak HTTP
	SMTP   SMTPConfig
	ServiceURLs
}

// ServiceURLs replace the API endpoints of the services whose channels
// name a key rather than a URL (tests, relays); empty: the service's own.
type ServiceURLs struct {
	PagerDutyURL, OpsgenieURL, TelegramURL, PushoverURL string
}

func urlKind(name core.ChannelKind, what, example string, n func(Deps) Notifier) Kind {
	return Kind{Name: name, Target: what, Example: example,
		validate: func(t string) error {
			return validateURL(t, string(name), fmt.Sprintf("give %s, e.g. %s", what, example))
		},
		notifier: n}
}

var kinds = []Kind{
	urlKind(core.ChannelWebhook, "the URL every alert is POSTed to as JSON (signed)", "https://example.com/hooks/pakyas",
		func(d Deps) Notifier { return &Webhook{Client: d.Client} }),
	urlKind(core.ChannelSlack, "a Slack incoming webhook URL", "https://hooks.slack.com/services/T000/B000/XXXX",
		func(d Deps) Notifier { return &Slack{Client: d.Client} }),
	{Name: core.ChannelEmail, Target: "an email address (needs the server's --smtp-addr)", Example: "oncall@example.com",
		validate: validateEmail, notifier: func(d Deps) Notifier { return &Email{SMTP: d.SMTP} }},
	urlKind("discord", "a Discord channel webhook URL", "https://discord.com/api/webhooks/123/abc",
		func(d Deps) Notifier { return &Discord{Client: d.Client} }),
	urlKind("mattermost", "a Mattermost incoming webhook URL", "https://chat.example.com/hooks/xxx",
		func(d Deps) Notifier { return &Slack{Client: d.Client} }), // the same document as Slack's
	urlKind("teams", "a Microsoft Teams workflow (incoming webhook) URL", "https://prod-00.westeurope.logic.azure.com/workflows/...",
		func(d Deps) Notifier { return &Teams{Client: d.Client} }),
	urlKind("ntfy", "an ntfy topic URL", "https://ntfy.sh/my-alerts",
		func(d Deps) Notifier { return &Ntfy{Client: d.Client} }),
	{Name: "pagerduty", Target: "a PagerDuty Events API v2 integration key (32 characters)", Example: "R0123456789abcdef0123456789abcde",
		validate: validateRoutingKey,
		notifier: func(d Deps) Notifier { return &PagerDuty{Client: d.Client, URL: d.PagerDutyURL} }},
	{Name: "opsgenie", Target: "an Opsgenie API integration key", Example: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
		Settings: []Setting{{Key: "region", Description: "us (default) or eu: the Opsgenie instance"}},
		validate: nonEmpty("opsgenie", "the API key of an Opsgenie API integration"),
		notifier: func(d Deps) Notifier { return &Opsgenie{Client: d.Client, URL: d.OpsgenieURL} }},
	{Name: "telegram", Target: "a Telegram chat ID (the bot must be in the chat)", Example: "-1001234567890",
		Settings: []Setting{{Key: "token", Required: true, Secret: true, Description: "the bot's token, from @BotFather"}},
		validate: nonEmpty("telegram", "the chat's numeric ID, or @channelname"),
		notifier: func(d Deps) Notifier { return &Telegram{Client: d.Client, URL: d.TelegramURL} }},
	{Name: "pushover", Target: "a Pushover user or group key", Example: "uQiRzpo4DXghDmr9QzzfQu27cmVRsG",
		Settings: []Setting{{Key: "token", Required: true, Secret: true, Description: "your Pushover application's API token"}},
		validate: nonEmpty("pushover", "the user key Pushover shows on its dashboard"),
		notifier: func(d Deps) Notifier { return &Pushover{Client: d.Client, URL: d.PushoverURL} }},
}

func nonEmpty(kind, what string) func(string) error {
	return func(t string) error {
		if strings.TrimSpace(t) == "" || strings.ContainsAny(t, " \t\r\n/") {
			return core.Errorf(core.EINVALID, "%s target %q is not %s", kind, t, what).WithHint("give %s", what)
		}
		return nil
	}
}

// ValidateSettings checks a channel's settings against its kind's: no
// unknown key, every required one set.
func ValidateSettings(kind core.ChannelKind, settings map[string]string) error {
	k, ok := LookupKind(kind)
	if !ok {
		return ValidateTarget(kind, "")
	}
	for key := range settings {
		if !slices.ContainsFunc(k.Settings, func(s Setting) bool { return s.Key == key }) {
			known := "none"
			if len(k.Settings) > 0 {
				var keys []string
				for _, s := range k.Settings {
					keys = append(keys, s.Key)
				}
				known = strings.Join(keys, ", ")
			}
			return core.Errorf(core.EINVALID, "%s channels have no setting %q (theirs: %s)", kind, key, known).
				WithHint("pakyas channel kinds lists each kind's settings")
		}
	}
	for _, s := range k.Settings {
		if s.Required && strings.TrimSpace(settings[s.Key]) == "" {
			return core.Errorf(core.EINVALID, "%s channels need the setting %s: %s", kind, s.Key, s.Description).
				WithHint("add --set %s=...", s.Key)
		}
	}
	return nil
}

// Kinds returns every channel kind, in the order `pakyas channel kinds`
// lists them.
func Kinds() []Kind { return slices.Clone(kinds) }

// LookupKind returns the kind named name.
func LookupKind(name core.ChannelKind) (Kind, bool) {
	i := slices.IndexFunc(kinds, func(k Kind) bool { return k.Name == name })
	if i < 0 {
		return Kind{}, false
	}
	return kinds[i], true
}

// KindNames is "webhook, slack, email, ..." for messages.
func KindNames() string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k.Name)
	}
	return strings.Join(names, ", ")
}

func validateRoutingKey(t string) error {
	if len(t) != 32 || strings.Trim(strings.ToLower(t), "0123456789abcdefghijklmnopqrstuvwxyz") != "" {
		return core.Errorf(core.EINVALID, "pagerduty target %q is not an integration key", t).
			WithHint("use the 32-character Integration Key of an Events API v2 integration of the PagerDuty service")
	}
	return nil
}

// NewNotifiers builds the notifier of every kind of the registry.
func NewNotifiers(d Deps) Notifiers {
	if d.Client == nil {
		d.Client = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	return newNotifiers(d)
}

// newNotifiers builds the notifier of every kind.
func newNotifiers(d Deps) Notifiers {
	n := Notifiers{}
	for _, k := range kinds {
		n[k.Name] = k.notifier(d)
	}
	return n
}
