package server

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDuplicateKeys(t *testing.T) {
	for doc, dup := range map[string]bool{
		`{"name":"a","slug":"b"}`:                     false,
		`{"name":"a","name":"b"}`:                     true,
		`{}`:                                          false,
		`{"a":{},"b":[],"c":{"x":1}}`:                 false,
		`{"a":{"x":1,"x":2}}`:                         true,
		`{"a":[{"x":1},{"x":2}],"b":1}`:               false,
		`{"a":[1,2,{"k":1,"k":1}]}`:                   true,
		`{"a":{"b":{}},"a":1}`:                        true,
		`{"tags":["a","a"]}`:                          false,
		`{"a":"x","b":{"a":"y"},"c":[{"a":1}],"d":2}`: false,
		`{"name":`:                                    false, // malformed: left to the decoder
	} {
		assert.Equal(t, dup, duplicateKeys([]byte(doc)) != nil, doc)
	}
}
