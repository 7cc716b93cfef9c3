package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// catchSignals returns a context that SIGINT or SIGTERM cancels, as
// signal.NotifyContext's does, and the function that stops catching them.
// A process's first signal.Notify starts a thread and waits for it: 0.6 to
// 1.3 ms on a small virtual machine, 5 % of `pakyas monitor -- true`. It
// is done here while the command line is parsed and the command checks
// its arguments; a command waits for it when it reads its settings
// (env.settings), before it sends or runs anything, so nothing it does can
// be interrupted by a signal that would not cancel the context. Until
// then a signal ends pakyas as it would during the Go runtime's start.
func catchSignals() (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	caught := make(chan struct{})
	go func() {
		signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
		close(caught)
		select {
		case <-sigs:
			cancel()
		case <-ctx.Done():
		}
	}()
	return context.WithValue(ctx, signalsKey{}, caught), func() {
		<-caught
		signal.Stop(sigs)
		cancel()
	}
}

type signalsKey struct{}

// signalsCaught returns the channel that catchSignals closes once it
// catches SIGINT and SIGTERM for ctx; nil for a context that did not come
// from it.
func signalsCaught(ctx context.Context) <-chan struct{} {
	caught, _ := ctx.Value(signalsKey{}).(chan struct{})
	return caught
}

// waitSignals returns once SIGINT and SIGTERM cancel the command's
// context (catchSignals); at once when they are not pakyas's to catch.
func (e *env) waitSignals() {
	if e.caught != nil {
		<-e.caught
	}
}
