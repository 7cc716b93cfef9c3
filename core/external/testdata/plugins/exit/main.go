// Command exit is a target plugin that exits at once.
package main

import "os"

func main() { os.Exit(1) }
