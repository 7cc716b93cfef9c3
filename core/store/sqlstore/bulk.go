package sqlstore

import (
	"strings"
	"sync"
)

// Bulk statements write many rows in one statement: one parse, one bind
// and one step per chunk instead of per row. A statement is prepared per
// chunk size, so the sizes are few and fixed: a batch is cut into chunks
// of the sizes below, largest first (1000 rows are 15 statements of 64,
// 2 of 16, 2 of 4 — not 1000).
var bulkSizes = []int{64, 16, 4, 1}

// nextChunk is the size of the next chunk of n rows.
func nextChunk(n int) int {
	for _, s := range bulkSizes {
		if n >= s {
			return s
		}
	}
	return n
}

// bulkRows returns prefix followed by n copies of row, comma-separated,
// then suffix: "INSERT ... VALUES (?, ?), (?, ?) RETURNING id". Built once
// per (prefix, n).
func bulkRows(prefix, row, suffix string, n int) string {
	key := bulkKey{prefix, n}
	if q, ok := bulkCache.Load(key); ok {
		return q.(string)
	}
	var b strings.Builder
	b.WriteString(prefix)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	b.WriteString(suffix)
	q := b.String()
	bulkCache.Store(key, q)
	return q
}

type bulkKey struct {
	prefix string
	n      int
}

var bulkCache sync.Map // bulkKey → string
