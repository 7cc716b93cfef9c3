package target

import (
	"strings"
)

// FieldError says what is wrong with one configuration key, or with the
// configuration as a whole when Path is empty.
type FieldError struct {
	// Scope is the table the key is in (or belongs in); empty when the error
	// is about the configuration as a whole.
	Scope Scope
	// Path is the key path inside the table: ["url"], or ["headers",
	// "X-Token"] for an entry of a table of strings.
	Path []string
	// Message says what is wrong and how to fix it.
	Message string
}

// Error returns e as "<scope> key <path>: <message>".
func (e FieldError) Error() string {
	if len(e.Path) == 0 {
		return e.Message
	}
	where := "key"
	switch e.Scope {
	case ScopeGlobal:
		where = "global key"
	case ScopeCheck:
		where = "per-check key"
	}
	return where + " " + strings.Join(e.Path, ".") + ": " + e.Message
}

// ConfigError is a configuration a target refused, with every problem found.
// Configurer.Configure returns it, and so does (*Client).Configure on the
// host side, where each FieldError can be mapped to a file and line.
type ConfigError struct {
	Fields []FieldError
}

// Add records that key in scope's table is wrong.
func (e *ConfigError) Add(scope Scope, key, message string) {
	e.AddPath(scope, []string{key}, message)
}

// AddPath records that the entry at path in scope's table is wrong; an empty
// path means the configuration as a whole.
func (e *ConfigError) AddPath(scope Scope, path []string, message string) {
	e.Fields = append(e.Fields, FieldError{Scope: scope, Path: path, Message: message})
}

// Err returns e, or nil when nothing was recorded, so a Configure can end
// with `return errs.Err()`.
func (e *ConfigError) Err() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Error joins the field errors with "; ".
func (e *ConfigError) Error() string {
	msgs := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		msgs[i] = f.Error()
	}
	return "invalid configuration: " + strings.Join(msgs, "; ")
}

// DeliveryError is returned by (*Client).Send when the plugin ran but the
// target did not accept the event (the service refused it or could not be
// reached). Other errors from Send mean the plugin itself failed: it crashed,
// broke the protocol or ran past the deadline.
type DeliveryError struct {
	// Message is the target's explanation.
	Message string
}

// Error returns the target's message.
func (e *DeliveryError) Error() string {
	return "not delivered: " + e.Message
}
