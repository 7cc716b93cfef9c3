package server

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/pakyas/pakyas/core"
)

// keyAlphabet is what follows "pk_live_" in a key: letters and digits only,
// so a key survives shells, URLs and double-click selection.
const keyAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// keyRandomLen gives 32·log2(62) ≈ 190 bits of entropy.
const keyRandomLen = 32

// NewAPIKey returns a new random API key ("pk_live_" + 32 letters and
// digits) and the record to store for it; the record holds only its hash.
func NewAPIKey(userID, name string, now time.Time) (string, core.APIKey, error) {
	var b strings.Builder
	b.WriteString(core.APIKeyPrefix)
	max := big.NewInt(int64(len(keyAlphabet)))
	for i := 0; i < keyRandomLen; i++ {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", core.APIKey{}, err
		}
		b.WriteByte(keyAlphabet[n.Int64()])
	}
	key := b.String()
	rec := core.APIKey{
		ID:        uuid.NewString(),
		UserID:    userID,
		Name:      name,
		Hash:      HashAPIKey(key),
		Hint:      key[:len(core.APIKeyPrefix)+4],
		CreatedAt: now,
	}
	return key, rec, nil
}

// HashAPIKey returns the stored form of an API key: hex SHA-256. Keys carry
// 190 random bits, so a fast hash is enough; no salt is needed to stop
// dictionary attacks on random secrets.
func HashAPIKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// caller is who made an API request.
type caller struct {
	user *core.User
	key  *core.APIKey
	orgs []core.Org
}

func (c *caller) inOrg(orgID string) bool {
	for _, o := range c.orgs {
		if o.ID == orgID {
			return true
		}
	}
	return false
}

var errNoKey = core.Errorf(core.EUNAUTHORIZED, "missing API key").
	WithHint("send the header \"Authorization: Bearer pk_live_...\"; with the CLI run 'pakyas login --api-key KEY' or set PAKYAS_API_KEY")

var errBadKey = core.Errorf(core.EUNAUTHORIZED, "invalid API key").
	WithHint("check the key, or create a new one with 'pakyas key create' (or 'pakyas server init' on a new server)")

var errRevokedKey = core.Errorf(core.EUNAUTHORIZED, "API key has been revoked").
	WithHint("create a new key with 'pakyas key create' using a valid key, then 'pakyas login --api-key NEWKEY'")

// authenticate resolves the request's bearer key to a caller.
func (s *Server) authenticate(r *http.Request) (*caller, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, errNoKey
	}
	scheme, key, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(key) == "" {
		return nil, core.Errorf(core.EUNAUTHORIZED, "malformed Authorization header").
			WithHint("use \"Authorization: Bearer pk_live_...\"")
	}
	k, err := s.store.APIKeyByHash(r.Context(), HashAPIKey(strings.TrimSpace(key)))
	if core.IsNotFound(err) {
		return nil, errBadKey
	}
	if err != nil {
		return nil, err
	}
	if k.Revoked() {
		return nil, errRevokedKey
	}
	u, err := s.store.User(r.Context(), k.UserID)
	if err != nil {
		return nil, err
	}
	orgs, err := s.store.OrgsForUser(r.Context(), u.ID)
	if err != nil {
		return nil, err
	}
	return &caller{user: u, key: k, orgs: orgs}, nil
}

// authed wraps an API handler: it authenticates the caller and turns the
// handler's error into a JSON answer.
func (s *Server) authed(h func(w http.ResponseWriter, r *http.Request, c *caller) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		addr, now := s.clientAddr(r), s.clock.Now()
		if wait := s.fails.wait(addr, now); wait > 0 {
			// Before any database read: a key guesser costs nothing.
			w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)))
			s.writeError(w, r, core.Errorf(core.ERATELIMIT, "too many failed API key attempts from this address").
				WithHint("check the key (pakyas whoami), then retry in %s", wait))
			return
		}
		c, err := s.authenticate(r)
		if core.ErrorCode(err) == core.EUNAUTHORIZED {
			s.fails.fail(addr, now)
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if !s.limits.allow(c.key.ID, s.clock.Now()) {
			w.Header().Set("Retry-After", "1")
			s.writeError(w, r, core.Errorf(core.ERATELIMIT, "too many API requests with this key (more than %g per second on average)", s.cfg.APIRate).
				WithHint("slow down and retry after a second; pings (/ping/...) are not limited"))
			return
		}
		if err := h(w, r, c); err != nil {
			s.writeError(w, r, err)
		}
	}
}
