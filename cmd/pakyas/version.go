package main

import (
	"context"
	"fmt"
	"runtime"

	"github.com/urfave/cli/v3"
)

// version is set at build time: -ldflags "-X main.version=1.2.3".
var version = "dev"

func versionCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "version",
		Usage:     "print the version of pakyas",
		UsageText: "pakyas version\n\nExample:\n  pakyas version   # pakyas 1.2.3 (go1.26.8, linux/amd64)",
		Action: func(ctx context.Context, cmd *cli.Command) error {
			fmt.Fprintf(e.stdout, "pakyas %s (%s, %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}
