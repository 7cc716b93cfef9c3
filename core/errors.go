package core

import (
	"errors"
	"fmt"
)

// Error codes classify errors for callers; the server maps each to one HTTP
// status and the CLI to one exit code.
const (
	EINVALID      = "invalid"      // the request or input is malformed
	ENOTFOUND     = "not_found"    // no such object, or not visible to the caller
	ECONFLICT     = "conflict"     // the object already exists (duplicate slug, ...)
	EUNAUTHORIZED = "unauthorized" // missing, unknown or revoked API key
	EFORBIDDEN    = "forbidden"    // authenticated but not allowed
	ETOOLARGE     = "too_large"    // request body over its cap
	EINTERNAL     = "internal"     // a bug or an unexpected failure
	EUNAVAILABLE  = "unavailable"  // shutting down or overloaded; retry later
	ERATELIMIT    = "rate_limited" // too many API requests with one key; retry later
	EAMBIGUOUS    = "ambiguous"    // nothing selected where a choice is needed, or a name matches several
)

// Error is an error meant for users: a code, a message saying what is wrong
// and an optional hint saying how to fix it. Err, if set, is the error
// it explains (Unwrap returns it), so callers can still classify it.
type Error struct {
	Code    string
	Message string
	Hint    string
	Err     error
}

// Unwrap returns the error e explains, if any.
func (e *Error) Unwrap() error { return e.Err }

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Hint != "" {
		return e.Message + " (hint: " + e.Hint + ")"
	}
	return e.Message
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithHint returns a copy of e with its hint set.
func (e *Error) WithHint(format string, args ...any) *Error {
	c := *e
	c.Hint = fmt.Sprintf(format, args...)
	return &c
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, or a
// generic message for other errors (whose text may hold internal details).
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorHint returns the hint of the first *Error in err's chain, or "".
func ErrorHint(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Hint
	}
	return ""
}

// IsNotFound reports whether err has code ENOTFOUND.
func IsNotFound(err error) bool { return ErrorCode(err) == ENOTFOUND }

// ErrorText returns the message of the first *Error in err's chain, or
// err's own text for any other error: what a command shows the person who
// ran it (the server uses ErrorMessage, which hides internal details).
func ErrorText(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	if err == nil {
		return ""
	}
	return err.Error()
}
