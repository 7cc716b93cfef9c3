package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
)

// maxAPIBody caps every JSON API request body.
const maxAPIBody = 64 << 10

// httpStatus maps error codes to HTTP statuses: the one table of it.
var httpStatus = map[string]int{
	core.EINVALID:      http.StatusBadRequest,
	core.ENOTFOUND:     http.StatusNotFound,
	core.ECONFLICT:     http.StatusConflict,
	core.EUNAUTHORIZED: http.StatusUnauthorized,
	core.EFORBIDDEN:    http.StatusForbidden,
	core.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	core.EUNAVAILABLE:  http.StatusServiceUnavailable,
	core.ERATELIMIT:    http.StatusTooManyRequests,
	core.EAMBIGUOUS:    http.StatusBadRequest,
	core.EINTERNAL:     http.StatusInternalServerError,
}

// writeError answers with err as a JSON api.Error. Internal errors are
// logged and not shown.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := core.ErrorCode(err)
	status, ok := httpStatus[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if code == core.EINTERNAL {
		s.logf("%s %s: %v", r.Method, r.URL.Path, err)
	}
	writeJSON(w, status, api.Error{Code: code, Message: core.ErrorMessage(err), Hint: core.ErrorHint(err)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		log.Printf("write answer: %v", err)
	}
}

// decodeJSON reads a capped, strict JSON body into v: unknown fields,
// trailing data and bodies over maxAPIBody are errors that say what to fix.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return core.Errorf(core.EINVALID, "request body must be JSON, got Content-Type %q", ct).
			WithHint("send the body with Content-Type: application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAPIBody))
	if err != nil {
		return jsonError(err)
	}
	if !utf8.Valid(body) {
		return core.Errorf(core.EINVALID, "request body is not valid UTF-8").
			WithHint("send JSON text in UTF-8; binary data has no place in these fields")
	}
	if err := duplicateKeys(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return jsonError(err)
		}
		return core.Errorf(core.EINVALID, "request body has data after the JSON object").
			WithHint("send exactly one JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var (
		mbe *http.MaxBytesError
		se  *json.SyntaxError
		te  *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe):
		return core.Errorf(core.ETOOLARGE, "request body is larger than %d bytes", mbe.Limit).
			WithHint("send a smaller body")
	case errors.As(err, &se):
		return core.Errorf(core.EINVALID, "malformed JSON at byte %d: %v", se.Offset, err).
			WithHint("check the request body is valid JSON")
	case errors.As(err, &te):
		return core.Errorf(core.EINVALID, "field %q must be %s, got JSON %s", te.Field, te.Type, te.Value).
			WithHint("fix the type of %q", te.Field)
	case errors.Is(err, io.EOF):
		return core.Errorf(core.EINVALID, "request body is empty").WithHint("send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return core.Errorf(core.EINVALID, "malformed JSON: unexpected end of body").
			WithHint("check the request body is complete, valid JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no typed error for unknown fields.
		field := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return core.Errorf(core.EINVALID, "unknown field %s in request body", field).
			WithHint("remove %s; docs/api.md lists the fields", field)
	}
	return core.Errorf(core.EINVALID, "malformed JSON: %v", err).WithHint("check the request body")
}

func invalid(format string, args ...any) *core.Error {
	return core.Errorf(core.EINVALID, format, args...)
}

// notFoundHints say where to find the IDs of each kind of object; the
// same answer is given for another organization's objects.
var notFoundHints = map[string]string{
	"check":        "list the project's checks with 'pakyas check list' (GET /api/v1/projects/{project}/checks)",
	"project":      "list your organizations and their projects with 'pakyas whoami' (GET /api/v1/me)",
	"organization": "list your organizations with 'pakyas org list' (GET /api/v1/orgs)",
	"channel":      "list the organization's channels with 'pakyas channel list' (GET /api/v1/orgs/{org}/channels)",
	"API key":      "list your keys with 'pakyas key list' (GET /api/v1/keys)",
}

func notFound(what string) *core.Error {
	err := core.Errorf(core.ENOTFOUND, "%s not found", what)
	if h, ok := notFoundHints[what]; ok {
		return err.WithHint("%s", h)
	}
	return err
}

// duplicateKeys refuses a JSON document in which an object has the same
// key twice: encoding/json would silently keep the last one, and a proxy
// or another parser in front of the server may keep the first.
func duplicateKeys(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		keys   map[string]bool
		object bool
		key    bool // the next string token is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // malformed JSON is reported by the decoding
		}
		top := func() *frame {
			if len(stack) == 0 {
				return nil
			}
			return stack[len(stack)-1]
		}()
		if k, ok := tok.(string); ok && top != nil && top.object && top.key {
			if top.keys[k] {
				return core.Errorf(core.EINVALID, "request body has the key %q twice in one object", k).
					WithHint("send each field once")
			}
			top.keys[k] = true
			top.key = false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{keys: map[string]bool{}, object: true, key: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = true // a value ended: a key comes next
		}
		if len(stack) == 0 && !dec.More() {
			return nil
		}
	}
}
