package monitor

import "sync"

// Ring is an io.Writer that keeps the last Size bytes written to it, in
// memory bounded by Size whatever is written. It is safe for concurrent
// use, so stdout and stderr of a job can share one.
type Ring struct {
	mu    sync.Mutex
	buf   []byte // len(buf) == size
	w     int    // where the next byte goes
	full  bool   // buf has wrapped: the oldest byte is at w
	total int64
}

// NewRing returns a Ring keeping the last size bytes (size > 0).
func NewRing(size int) *Ring {
	if size <= 0 {
		panic("monitor: ring size must be positive")
	}
	return &Ring{buf: make([]byte, size)}
}

// Write keeps the tail of p; it never fails.
func (r *Ring) Write(p []byte) (int, error) {
	n := len(p)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.total += int64(n)
	size := len(r.buf)
	if n >= size {
		// Only the last size bytes can survive.
		copy(r.buf, p[n-size:])
		r.w, r.full = 0, true
		return n, nil
	}
	c := copy(r.buf[r.w:], p)
	if c < n {
		copy(r.buf, p[c:])
		r.full = true
	}
	r.w += n
	if r.w >= size {
		r.w -= size
		r.full = true
	}
	return n, nil
}

// Bytes returns a copy of the bytes kept, oldest first.
func (r *Ring) Bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.full {
		return append([]byte(nil), r.buf[:r.w]...)
	}
	out := make([]byte, 0, len(r.buf))
	out = append(out, r.buf[r.w:]...)
	return append(out, r.buf[:r.w]...)
}

// Total returns how many bytes were written in all.
func (r *Ring) Total() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total
}

// Truncated reports whether more was written than is kept.
func (r *Ring) Truncated() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total > int64(len(r.buf))
}
