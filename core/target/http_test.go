package target

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDoHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			_, _ = w.Write([]byte("OK"))
		case "/long":
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte(strings.Repeat("x", 10_000)))
		default:
			http.Error(w, "no such check", http.StatusNotFound)
		}
	}))
	defer srv.Close()
	get := func(path string) (Result, error) {
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		require.NoError(t, err)
		return DoHTTP(srv.Client(), req)
	}

	res, err := get("/ok")
	require.NoError(t, err)
	assert.Equal(t, "HTTP 200 OK", res.Message)
	assert.Positive(t, res.Latency)

	res, err = get("/missing")
	var se *HTTPStatusError
	require.True(t, errors.As(err, &se))
	assert.Equal(t, 404, se.StatusCode)
	assert.Equal(t, `answered 404 Not Found ("no such check")`, err.Error())
	assert.Equal(t, "HTTP 404 Not Found", res.Message)

	_, err = get("/long")
	require.True(t, errors.As(err, &se))
	assert.Len(t, se.Body, 200, "only the start of the body is kept")

	req, err := http.NewRequest(http.MethodGet, "http://127.0.0.1:1/", nil)
	require.NoError(t, err)
	_, err = DoHTTP(http.DefaultClient, req)
	require.Error(t, err)
	assert.False(t, errors.As(err, &se), "a transport error is not a status error")
}
