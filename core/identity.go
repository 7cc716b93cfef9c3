package core

import "time"

// User is a person who owns API keys and belongs to organizations.
type User struct {
	ID        string // UUID
	Email     string
	Name      string
	CreatedAt time.Time
}

// Org is an organization: the unit of isolation. Every API call is scoped to
// the caller's organizations.
type Org struct {
	ID        string // UUID
	Name      string
	CreatedAt time.Time
	// Slug names it in commands (PAKYAS_ORG=acme); "" means the one made
	// from the name (EffectiveSlug).
	Slug string
}

// EffectiveSlug is the organization's slug: its own, or made from its name.
func (o Org) EffectiveSlug() string { return slugOr(o.Slug, o.Name) }

// Membership roles.
const (
	RoleOwner  = "owner"
	RoleMember = "member"
)

// Project groups checks inside an organization.
type Project struct {
	ID        string // UUID
	OrgID     string
	Name      string
	CreatedAt time.Time
	// PingKey lets /ping/<ping-key>/<slug> ping the project's checks by
	// slug (healthchecks.io's slug URLs); empty until one is made.
	PingKey string
	// Slug names it in commands (PAKYAS_PROJECT=my-project); "" means the
	// one made from the name (EffectiveSlug).
	Slug string
	// BadgeKey makes the project's status badges readable without an API
	// key: /badge/<badge-key>/<slug>.svg. Random; "" means no badges.
	BadgeKey string
}

// EffectiveSlug is the project's slug: its own, or made from its name.
func (p Project) EffectiveSlug() string { return slugOr(p.Slug, p.Name) }

func slugOr(slug, name string) string {
	if slug != "" {
		return slug
	}
	return Slugify(name)
}

// APIKeyPrefix starts every API key. The rest of a key is letters and digits.
const APIKeyPrefix = "pk_live_"

// APIKey authenticates a user. Only the SHA-256 hash of the secret is
// stored; the secret itself is shown once, when the key is created.
type APIKey struct {
	ID        string // UUID
	UserID    string
	Name      string
	Hash      string // hex SHA-256 of the whole key
	Hint      string // first characters of the key, to recognise it in lists
	CreatedAt time.Time
	RevokedAt time.Time // zero while the key is valid
}

// Revoked reports whether the key has been revoked.
func (k APIKey) Revoked() bool { return !k.RevokedAt.IsZero() }

// Web token kinds.
const (
	// WebSignInLink is a one-time sign-in link (pakyas dashboard): used
	// once, within minutes.
	WebSignInLink = "link"
	// WebSession is a browser's session, in an HttpOnly cookie.
	WebSession = "session"
)

// WebToken is a dashboard sign-in link or session. As with API keys, only
// the SHA-256 hash of the secret is stored.
type WebToken struct {
	Hash      string // hex SHA-256 of the secret
	Kind      string // WebSignInLink or WebSession
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // a link's use; zero until then
}
