//go:build noserver && !thin

package main

// wholeHandOffs: pakyas-host hands the server's commands to pakyas-full.
var wholeHandOffs = map[string][]string{"server": {fullName}}
