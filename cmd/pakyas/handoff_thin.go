//go:build thin

package main

import "github.com/urfave/cli/v3"

// hostNames are the executables that host target plugins, in the order
// they are looked for: pakyas-full stands in for a missing pakyas-host.
var hostNames = []string{hostName, fullName}

// wholeHandOffs: the commands this lean pakyas hands whole (handOffWhole),
// and to which executables.
var wholeHandOffs = map[string][]string{"server": {fullName}, "plugin": hostNames}

// handOff runs this command line where target plugins are hosted.
func (e *env) handOff() error { return e.handOffTo(hostNames...) }

func pluginCommand(e *env) *cli.Command {
	return handOffCommand(e, hostNames, "plugin", "target plugins: list the installed ones, describe one, check one against the plugin protocol",
		"pakyas plugin list|info|check|test ...\n\n(see 'pakyas plugin --help')")
}
